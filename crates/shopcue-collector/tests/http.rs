//! The collector over real HTTP on loopback, with a real SQLite file.

mod common;

use std::path::PathBuf;

use common::{request, start_sqlite as start};

fn event(id: &str, name: &str) -> String {
    let now = common::now_ms();
    format!(
        r#"{{"id":"{id}","name":"{name}","ts":{now},"visitor_id":"v1","session_id":"s1","url":"/p","params":{{"scenario_id":"cart_low_stock"}}}}"#
    )
}

fn count(db: &PathBuf, sql: &str) -> i64 {
    rusqlite::Connection::open(db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn stores_each_event_once_and_replies_after_commit() {
    let srv = start();
    let body =
        format!(r#"{{"v":1,"site":"demo","events":[{},{}]}}"#, event("e1", "view_item"), event("e2", "shopcue_impression"));
    let (status, _, reply) = request(&srv.addr, "POST", "/collect", "", body.as_bytes());
    assert_eq!(status, 200, "{reply}");
    assert!(reply.contains(r#""accepted":2"#), "{reply}");
    // Committed before the reply: a second connection sees the rows at once.
    assert_eq!(count(&srv.db, "SELECT count(*) FROM events"), 2);
    // A replayed batch (client retry after a lost reply) adds nothing.
    let (status, _, reply) = request(&srv.addr, "POST", "/collect", "", body.as_bytes());
    assert_eq!(status, 200);
    assert!(reply.contains(r#""duplicates":2"#), "{reply}");
    assert_eq!(count(&srv.db, "SELECT count(*) FROM events"), 2);
    assert_eq!(count(&srv.db, "SELECT count(*) FROM events WHERE scenario_id = 'cart_low_stock'"), 2);
}

#[test]
fn an_order_is_stored_once_whoever_sends_it_again() {
    let srv = start();
    let now = common::now_ms();
    let purchase = |id: &str, visitor: &str| {
        format!(
            r#"{{"v":1,"site":"demo","events":[{{"id":"{id}","name":"purchase","ts":{now},"visitor_id":"{visitor}","params":{{"transaction_id":"T-9","value":1980}}}}]}}"#
        )
    };
    let (status, _, reply) = request(&srv.addr, "POST", "/collect", "", purchase("p1", "v1").as_bytes());
    assert!(status == 200 && reply.contains(r#""accepted":1"#), "{reply}");
    // The thank-you page reloaded in a browser that kept no profile: a new event id, the same order.
    let (status, _, reply) = request(&srv.addr, "POST", "/collect", "", purchase("p2", "v2").as_bytes());
    assert!(status == 200 && reply.contains(r#""duplicates":1"#), "{reply}");
    assert_eq!(count(&srv.db, "SELECT count(*) FROM events WHERE name = 'purchase'"), 1);
    assert_eq!(count(&srv.db, "SELECT count(*) FROM events WHERE visitor_id = 'v1' AND id = 'order:T-9'"), 1);
}

#[test]
fn rejects_bad_input_with_reasons() {
    let srv = start();
    let (status, _, reply) = request(&srv.addr, "POST", "/collect", "", b"{nope");
    assert_eq!(status, 400);
    assert!(reply.contains("not JSON"), "{reply}");
    let (status, _, reply) = request(&srv.addr, "POST", "/collect", "", br#"{"site":"demo","events":[]}"#);
    assert_eq!((status, reply.contains("empty")), (400, true));
    // One bad event among good ones: the good one is kept, the bad one explained.
    let body = format!(r#"{{"site":"demo","events":[{},{{"id":"x"}}]}}"#, event("ok1", "add_to_cart"));
    let (status, _, reply) = request(&srv.addr, "POST", "/collect", "", body.as_bytes());
    assert_eq!(status, 200);
    assert!(reply.contains(r#""index":1"#), "{reply}");
    assert_eq!(count(&srv.db, "SELECT count(*) FROM events"), 1);
}

#[test]
fn enforces_the_size_cap() {
    let srv = start();
    let body = |total: usize| {
        let empty = format!(r#"{{"site":"demo","events":[{}],"pad":""}}"#, event("big", "view_item"));
        format!(r#"{{"site":"demo","events":[{}],"pad":"{}"}}"#, event("big", "view_item"), "x".repeat(total - empty.len()))
    };
    let at_cap = body(1024 * 1024);
    assert_eq!(at_cap.len(), 1024 * 1024);
    assert_eq!(request(&srv.addr, "POST", "/collect", "", at_cap.as_bytes()).0, 200, "exactly 1 MiB is accepted");
    let over = body(1024 * 1024 + 1);
    assert_eq!(request(&srv.addr, "POST", "/collect", "", over.as_bytes()).0, 413, "one byte more is not");
}

#[test]
fn gzip_bodies_and_gzip_bombs() {
    use std::io::Write as _;
    let srv = start();
    let gz = |data: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    };
    let body = format!(r#"{{"site":"demo","events":[{}]}}"#, event("gz1", "view_item"));
    let (status, _, reply) = request(&srv.addr, "POST", "/collect", "Content-Encoding: gzip\r\n", &gz(body.as_bytes()));
    assert_eq!(status, 200, "{reply}");
    assert_eq!(count(&srv.db, "SELECT count(*) FROM events WHERE id = 'gz1'"), 1);
    // 64 MiB of zeros in a ~64 KiB gzip: refused after 4 MiB of inflation, never buffered whole.
    let bomb = gz(&vec![b'0'; 64 * 1024 * 1024]);
    assert!(bomb.len() < 1024 * 1024);
    let (status, _, reply) = request(&srv.addr, "POST", "/collect", "Content-Encoding: gzip\r\n", &bomb);
    assert_eq!(status, 413, "{reply}");
    assert_eq!(request(&srv.addr, "POST", "/collect", "Content-Encoding: gzip\r\n", b"not gzip").0, 400);
}

#[test]
fn floods_get_429_with_retry_after() {
    let srv = start();
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for i in 0..130 {
        let body = format!(r#"{{"site":"demo","events":[{}]}}"#, event(&format!("f{i}"), "view_item"));
        let (status, head, _) = request(&srv.addr, "POST", "/collect", "", body.as_bytes());
        if status == 429 {
            retry_after = head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("retry-after: ").map(str::to_string));
        }
        statuses.push(status);
    }
    let ok = statuses.iter().filter(|s| **s == 200).count();
    assert!((100..=110).contains(&ok), "a burst of about 100 passes: {ok}");
    assert!(statuses.contains(&429));
    assert_eq!(retry_after.as_deref(), Some("1"));
    // Nothing from a refused request was stored: 2xx only after commit, 429 before it.
    assert_eq!(count(&srv.db, "SELECT count(*) FROM events") as usize, ok);
}

#[test]
fn health_static_files_and_cors() {
    let srv = start();
    assert_eq!(request(&srv.addr, "GET", "/healthz", "", b"").0, 200);
    let (status, head, body) = request(&srv.addr, "GET", "/", "", b"");
    assert_eq!((status, body.as_str()), (200, "<h1>store</h1>"));
    assert!(head.to_ascii_lowercase().contains("content-type: text/html"));
    assert_eq!(request(&srv.addr, "GET", "/../../etc/passwd", "", b"").0 / 100, 4);
    assert_eq!(request(&srv.addr, "GET", "/missing.js", "", b"").0, 404);
    let body = format!(r#"{{"site":"demo","events":[{}]}}"#, event("c1", "view_item"));
    let (_, head, _) = request(&srv.addr, "POST", "/collect", "Origin: https://shop.example\r\n", body.as_bytes());
    assert!(head.to_ascii_lowercase().contains("access-control-allow-origin: https://shop.example"), "{head}");
    let (_, head, _) = request(&srv.addr, "POST", "/collect", "Origin: https://evil.example\r\n", body.as_bytes());
    assert!(!head.to_ascii_lowercase().contains("access-control-allow-origin"), "{head}");
}

#[test]
fn a_store_on_an_allowed_origin_may_fetch_the_widgets_wasm() {
    // The collector hosts the widget (`--static dist`) for a store on another origin: the
    // loader's fetch of shopcue_bg.wasm is a CORS request, refused without these headers.
    let srv = start();
    std::fs::write(srv.db.parent().unwrap().join("www").join("w.wasm"), "wasm bytes").unwrap();
    let header = |head: &str, name: &str| {
        head.lines()
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string()))
    };
    let (status, head, body) = request(&srv.addr, "GET", "/w.wasm", "Origin: https://shop.example\r\n", b"");
    assert_eq!((status, body.as_str()), (200, "wasm bytes"));
    assert_eq!(header(&head, "access-control-allow-origin").as_deref(), Some("https://shop.example"));
    assert_eq!(header(&head, "access-control-allow-credentials"), None);
    assert_eq!(header(&head, "vary").as_deref(), Some("Accept-Encoding, Origin"));
    // Revalidated by a returning shopper: the 304 carries them too.
    let etag = header(&head, "etag").unwrap();
    let (status, head, _) =
        request(&srv.addr, "GET", "/w.wasm", &format!("Origin: https://shop.example\r\nIf-None-Match: {etag}\r\n"), b"");
    assert_eq!((status, header(&head, "access-control-allow-origin").as_deref()), (304, Some("https://shop.example")));
    // Another origin may load it only as a script tag would (no CORS), not read it.
    let (status, head, _) = request(&srv.addr, "GET", "/w.wasm", "Origin: https://evil.example\r\n", b"");
    assert_eq!((status, header(&head, "access-control-allow-origin")), (200, None));
    assert_eq!(header(&head, "vary").as_deref(), Some("Accept-Encoding, Origin"));
    // A missing file is a 404 whatever the origin.
    assert_eq!(request(&srv.addr, "GET", "/nope.wasm", "Origin: https://shop.example\r\n", b"").0, 404);
}

#[test]
fn static_files_come_precompressed_and_revalidate_with_etags() {
    let srv = start();
    let www = srv.db.parent().unwrap().join("www");
    std::fs::write(www.join("w.wasm"), "raw bytes").unwrap();
    std::fs::write(www.join("w.wasm.br"), "brotli bytes").unwrap();
    std::fs::write(www.join("w.wasm.gz"), "gzip bytes").unwrap();
    let get = |headers: &str| request(&srv.addr, "GET", "/w.wasm", headers, b"");
    let header = |head: &str, name: &str| {
        head.lines()
            .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string()))
    };

    let (status, head, body) = get("Accept-Encoding: gzip, deflate, br, zstd\r\n");
    assert_eq!((status, body.as_str(), header(&head, "content-encoding").as_deref()), (200, "brotli bytes", Some("br")));
    assert_eq!(header(&head, "content-type").as_deref(), Some("application/wasm"), "the type of what was compressed");
    assert_eq!(header(&head, "vary").as_deref(), Some("Accept-Encoding, Origin"), "CORS is configured: Origin too");
    let (_, head, body) = get("Accept-Encoding: gzip, br;q=0\r\n");
    assert_eq!((body.as_str(), header(&head, "content-encoding").as_deref()), ("gzip bytes", Some("gzip")));
    let (_, plain_head, body) = get("");
    assert_eq!((body.as_str(), header(&plain_head, "content-encoding")), ("raw bytes", None));

    // A returning shopper revalidates: the same representation's ETag gets 304 and no body.
    let etag = header(&head, "etag").unwrap();
    assert_ne!(Some(&etag), header(&plain_head, "etag").as_ref(), "each encoding has its own ETag");
    let (status, head, body) = get(&format!("Accept-Encoding: gzip\r\nIf-None-Match: {etag}\r\n"));
    assert_eq!((status, body.as_str()), (304, ""));
    assert_eq!(header(&head, "etag"), Some(etag.clone()));
    assert_eq!(get(&format!("If-None-Match: {etag}\r\n")).0, 200, "another representation is sent whole");
    // A new deploy changes the ETag.
    std::thread::sleep(std::time::Duration::from_millis(5));
    std::fs::write(www.join("w.wasm.gz"), "new gzip bytes").unwrap();
    let (status, _, body) = get(&format!("Accept-Encoding: gzip\r\nIf-None-Match: {etag}\r\n"));
    assert_eq!((status, body.as_str()), (200, "new gzip bytes"));
}

#[test]
fn report_counts_conversions_in_the_window_and_uplift_against_holdout() {
    let srv = start();
    let (t0, day) = (common::t0(), common::DAY);
    let body = common::report_batch();
    assert_eq!(request(&srv.addr, "POST", "/collect", "", body.as_bytes()).0, 200);

    let path = format!("/report?site=demo&from={}&to={}&attribution_days=7", t0 - 10 * day, t0 + 30 * day);
    let (status, _, body) = request(&srv.addr, "GET", &path, "", b"");
    assert_eq!(status, 200, "{body}");
    let report = shopcue::json::parse(&body).unwrap();
    let variants = report.get_path("scenarios.0.variants").and_then(|v| v.as_array()).unwrap();
    let a = variants.iter().find(|v| v.get("variant").and_then(|x| x.as_str()) == Some("a")).unwrap();
    let h = variants.iter().find(|v| v.get("variant").and_then(|x| x.as_str()) == Some("holdout")).unwrap();
    let n = |v: &shopcue::json::Value, k: &str| v.get_path(k).and_then(|x| x.as_f64()).unwrap_or(f64::NAN);
    assert_eq!(
        (n(a, "exposed"), n(a, "conversions"), n(a, "impressions"), n(a, "clicks"), n(a, "dismissals")),
        (10.0, 3.0, 10.0, 2.0, 1.0)
    );
    assert_eq!((n(a, "cvr"), n(a, "ctr")), (0.3, 0.2));
    assert_eq!((n(h, "exposed"), n(h, "conversions"), n(h, "cvr")), (10.0, 1.0, 0.1));
    assert!((n(a, "uplift.diff") - 0.2).abs() < 1e-9 && (n(a, "uplift.relative") - 2.0).abs() < 1e-9, "{body}");
    assert!(n(a, "uplift.diff_ci95.0") < 0.2 && n(a, "uplift.diff_ci95.1") > 0.2);
    assert!(h.get("uplift").is_none(), "the holdout has no uplift over itself");
    assert!(body.contains(r#""daily":[{"date":"#), "{body}");

    let (status, head, csv) = request(&srv.addr, "GET", &format!("{path}&format=csv"), "", b"");
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("content-type: text/csv"));
    assert!(csv.starts_with("scenario_id,variant,exposed,"), "{csv}");
    assert!(csv.contains("\ns,a,10,10,2,1,3,0.2,0.3,0.2,"), "{csv}");

    // The daily tables have every day of the period up to today (21: from 20 days ago), a quiet
    // one as zeros, not only the days with activity.
    for table in ["daily", "scenario_daily"] {
        let (status, head, csv) = request(&srv.addr, "GET", &format!("{path}&format=csv&table={table}"), "", b"");
        assert_eq!(status, 200, "{csv}");
        // Named for what it holds: site, table, the period's first and last day.
        let date = shopcue_collector::analytics::utc_date;
        let name =
            format!("filename=shopcue-demo-{}-{}-{}.csv", table.replace('_', "-"), date(t0 - 10 * day), date(t0 + 30 * day - 1));
        assert!(head.contains(&name), "{name} in {head}");
        let days: Vec<i64> = csv.lines().skip(1).map(|l| shopcue::time::parse_iso(&l[..10], 0).unwrap() / day).collect();
        assert_eq!(days.len(), 21, "{csv}");
        assert!(days.windows(2).all(|w| w[1] - w[0] == 1), "one row a day, none missing: {csv}");
        assert_eq!(days.last(), Some(&(common::now_ms() / day)), "up to today, not into the period's future: {csv}");
        assert!(csv.lines().nth(1).unwrap().ends_with(",0,0"), "the first day is quiet: {csv}");
    }

    assert_eq!(request(&srv.addr, "GET", "/report", "", b"").0, 400, "site is required");
    assert_eq!(request(&srv.addr, "GET", "/report?site=demo&from=yesterday", "", b"").0, 400);
    // A period that ends before it starts is refused, not answered as a period without activity.
    let (status, _, body) = request(&srv.addr, "GET", "/report?site=demo&from=2026-12-10&to=2026-12-01", "", b"");
    assert_eq!(
        (status, body.as_str()),
        (400, r#"{"error":"from must be before to: the period from 2026-12-10 to 2026-12-01 (UTC) is empty"}"#)
    );
    assert_eq!(request(&srv.addr, "GET", "/report/rf?site=demo&from=2026-12-10&to=2026-12-10", "", b"").0, 400);
    let (status, _, html) = request(&srv.addr, "GET", "/dashboard", "", b"");
    assert_eq!(status, 200);
    assert!(html.contains("Shopcue scenarios"));
}

/// A config of `site` with two scenarios, "off" and "fair", holding out `holdout`.
fn srm_config(site: &str, holdout: f64) -> String {
    format!(
        r#"{{"version":1,"site":"{site}","holdout":{holdout},"scenarios":[
        {{"id":"off","trigger":{{"on":"page_view"}},"message":{{"title":"Off"}}}},
        {{"id":"fair","trigger":{{"on":"page_view"}},"message":{{"title":"Fair"}}}}]}}"#
    )
}

/// A batch for `site` of first exposures: for each `(at, scenario, treated, held)`, `treated`
/// visitors exposed to the scenario and `held` in its holdout, each a visitor of its own.
fn srm_exposures(site: &str, groups: &[(i64, &str, usize, usize)]) -> String {
    let mut events = Vec::new();
    for &(at, scenario, treated, held) in groups {
        for i in 0..treated + held {
            let variant = if i < treated { "" } else { r#","variant":"holdout""# };
            let params = format!(r#"{{"scenario_id":"{scenario}"{variant}}}"#);
            let visitor = format!("{scenario}-{at}-v{i}");
            events.push(common::ev(&format!("{scenario}{at}{i}"), "shopcue_exposure", &visitor, at, &params));
        }
    }
    format!(r#"{{"site":"{site}","events":[{}]}}"#, events.join(","))
}

/// `GET /report` of `site` for `[from, to)`, parsed.
fn srm_report(addr: &str, site: &str, from: i64, to: i64) -> shopcue::json::Value {
    let (status, _, body) = request(addr, "GET", &format!("/report?site={site}&from={from}&to={to}"), "", b"");
    assert_eq!(status, 200, "{body}");
    shopcue::json::parse(&body).unwrap()
}

/// Scenario `id`'s entry in a report.
fn scenario_of(report: &shopcue::json::Value, id: &str) -> shopcue::json::Value {
    let scenarios = report.get("scenarios").and_then(|s| s.as_array()).unwrap();
    scenarios.iter().find(|s| s.get("scenario_id").and_then(|x| x.as_str()) == Some(id)).unwrap().clone()
}

#[test]
fn a_split_off_the_live_config_s_holdout_is_reported_as_a_sample_ratio_mismatch() {
    let srv = start();
    let (t0, day) = (common::t0(), common::DAY);
    // Two scenarios held out 10 %, published (by then) five days before the exposures.
    assert_eq!(request(&srv.addr, "PUT", "/api/sites/srm/config", "", srm_config("srm", 0.1).as_bytes()).0, 201);
    rusqlite::Connection::open(&srv.db)
        .unwrap()
        .execute("UPDATE config_versions SET created_at = ?1 WHERE site = 'srm'", [t0 - 5 * day])
        .unwrap();
    // "off": 40 of 160 held out (25 %); "fair": 20 of 200 (10 %).
    let batch = srm_exposures("srm", &[(t0, "off", 120, 40), (t0, "fair", 180, 20)]);
    assert_eq!(request(&srv.addr, "POST", "/collect", "", batch.as_bytes()).0, 200);

    let report = |from: i64, to: i64| srm_report(&srv.addr, "srm", from, to);
    let body = report(t0 - 10 * day, t0 + day);
    let srm = |id: &str| scenario_of(&body, id).get("srm").unwrap().to_json();
    let since = (t0 - 5 * day).div_euclid(day) * day + day; // the first whole day under version 1
    let off = srm("off");
    assert!(off.contains(r#""observed":{"":120,"holdout":40}"#) && off.contains(r#""expected":{"":0.9,"holdout":0.1}"#), "{off}");
    assert!(off.contains(r#""mismatch":true"#) && off.contains(&format!(r#""since":{since},"#)), "{off}");
    assert!(off.contains(&format!(r#""until":{},"version":1,"#, t0 + day)), "until the period's end: {off}");
    assert!(srm("fair").contains(r#""mismatch":false"#), "{}", srm("fair"));
    // A period that starts on that day checks the report's own rows: the same figures.
    let from_since = report(since, t0 + day).to_json();
    assert!(
        from_since.contains(r#""observed":{"":120,"holdout":40}"#) && from_since.contains(r#""mismatch":true"#),
        "{from_since}"
    );
    // A period that ends before the live config's first whole day has nothing to check.
    assert!(!report(t0 - 10 * day, since).to_json().contains(r#""srm":{"#));
}

/// A split test: its variants compared with the first the live config lists, each with its
/// chance to be the best, in the JSON and the CSV; a new version that lists them the other way
/// round makes the other the baseline.
#[test]
fn a_split_tests_variants_are_compared_with_the_first_variant_the_live_config_lists() {
    let srv = start();
    let t0 = common::t0();
    let config = |first: &str, second: &str| {
        format!(
            r#"{{"version":1,"site":"ab","holdout":0.1,"scenarios":[{{"id":"headline","trigger":{{"on":"page_view"}},
            "message":{{"title":"Old"}},"variants":[{{"id":"{first}"}},{{"id":"{second}","message":{{"title":"New"}}}}]}}]}}"#
        )
    };
    assert_eq!(request(&srv.addr, "PUT", "/api/sites/ab/config", "", config("old", "new").as_bytes()).0, 201);
    // 200 visitors per variant: 20 who saw "old" bought, 44 who saw "new"; 5 of 40 held out.
    let mut events = Vec::new();
    for (variant, exposed, bought) in [("old", 200, 20), ("new", 200, 44), ("holdout", 40, 5)] {
        for i in 0..exposed {
            let visitor = format!("{variant}-{i}");
            let params = format!(r#"{{"scenario_id":"headline","variant":"{variant}"}}"#);
            events.push(common::ev(&format!("{visitor}-x"), "shopcue_exposure", &visitor, t0, &params));
            if i < bought {
                events.push(common::ev(&format!("{visitor}-p"), "purchase", &visitor, t0 + 60_000, r#"{"value":1000}"#));
            }
        }
    }
    // Spent outside the attribution window (7 days after a first exposure): before it, and after.
    events.push(common::ev("early", "purchase", "old-0", t0 - 1_000, r#"{"value":5000}"#));
    events.push(common::ev("late", "purchase", "old-1", t0 + 7 * common::DAY + common::DAY / 2, r#"{"value":5000}"#));
    let batch = format!(r#"{{"site":"ab","events":[{}]}}"#, events.join(","));
    assert_eq!(request(&srv.addr, "POST", "/collect", "", batch.as_bytes()).0, 200);
    let (from, to) = (t0 - common::DAY, t0 + common::DAY);
    let headline = || scenario_of(&srm_report(&srv.addr, "ab", from, to), "headline");
    let field = |v: &shopcue::json::Value, path: &str| v.get_path(path).map(|x| x.to_json()).unwrap_or_default();
    let variant = |sc: &shopcue::json::Value, id: &str| {
        let all = sc.get("variants").and_then(|v| v.as_array()).unwrap();
        all.iter().find(|v| v.get("variant").and_then(|x| x.as_str()) == Some(id)).unwrap().clone()
    };
    let sc = headline();
    assert_eq!(field(&sc, "baseline"), r#""old""#, "{}", sc.to_json());
    let new = variant(&sc, "new");
    assert_eq!(field(&new, "vs_baseline.diff"), "0.12", "{}", new.to_json());
    assert_eq!(field(&new, "vs_baseline.relative"), "1.2");
    assert_eq!(field(&new, "vs_baseline.significant"), "true");
    let chance = |v: &shopcue::json::Value| v.get("chance_to_be_best").and_then(|c| c.as_f64()).unwrap();
    assert!(chance(&new) > 0.99 && (chance(&new) + chance(&variant(&sc, "old")) - 1.0).abs() < 1e-5, "{}", sc.to_json());
    assert!(variant(&sc, "old").get("vs_baseline").is_none());
    assert!(variant(&sc, "holdout").get("chance_to_be_best").is_none());
    // Read as often as one likes, 200 visitors a variant do not make "new" the sure winner yet:
    // its sequential interval still reaches below zero, and the verdict says how long to wait.
    let seq = new.get_path("vs_baseline.sequential_ci95").and_then(|c| c.as_array()).unwrap().to_vec();
    let (lo, hi) = (seq[0].as_f64().unwrap(), seq[1].as_f64().unwrap());
    assert!(lo < 0.0 && hi > 0.2, "{}", new.to_json());
    assert_eq!((field(&sc, "verdict.leader"), field(&sc, "verdict.decided")), (r#""new""#.into(), "false".into()));
    assert!(sc.get_path("verdict.more_days").and_then(|d| d.as_f64()).is_some_and(|d| d >= 1.0), "{}", sc.to_json());
    // Revenue per exposed visitor (each buyer spent ¥1,000 within the window): 100 for "old",
    // 220 for "new".
    assert_eq!(
        (field(&variant(&sc, "old"), "revenue_per_visitor"), field(&new, "revenue_per_visitor")),
        ("100".into(), "220".into())
    );
    assert_eq!(field(&new, "vs_baseline.revenue_per_visitor.diff"), "120");
    let rpv = new.get_path("vs_baseline.revenue_per_visitor.sequential_ci95").and_then(|c| c.as_array()).unwrap().to_vec();
    assert!(rpv[0].as_f64().unwrap() < 120.0 && rpv[1].as_f64().unwrap() > 120.0, "{}", new.to_json());
    assert!(variant(&sc, "holdout").get("revenue_per_visitor").is_none(), "the holdout is shown nothing to compare");
    let (_, _, csv) = request(&srv.addr, "GET", &format!("/report?site=ab&from={from}&to={to}&format=csv"), "", b"");
    let line = csv.lines().find(|l| l.starts_with("headline,new,200,")).unwrap_or_else(|| panic!("{csv}"));
    assert!(line.contains(",purchase,old,0.12,0.0"), "{line}");
    assert!(line.contains(",,220,120,"), "revenue per visitor and its difference: {line}");
    // Listed the other way round in a new version: "new" is the baseline, and "old" loses.
    assert_eq!(request(&srv.addr, "PUT", "/api/sites/ab/config", "", config("new", "old").as_bytes()).0, 201);
    let sc = headline();
    assert_eq!(field(&sc, "baseline"), r#""new""#, "{}", sc.to_json());
    assert_eq!(field(&variant(&sc, "old"), "vs_baseline.diff"), "-0.12");
}

/// A split test's verdict reads its whole run — from the day its current variants went live,
/// through later versions that left them as they were — whatever period the report is asked
/// for; the table's figures stay the period's.
#[test]
fn a_split_tests_verdict_reads_the_test_from_the_day_its_variants_went_live() {
    let srv = start();
    let (t0, day) = (common::t0(), common::DAY);
    let config = |variants: &str, extra: &str| {
        format!(
            r#"{{"version":1,"site":"run","scenarios":[{{"id":"headline","trigger":{{"on":"page_view"}},
            "message":{{"title":"Old"}}{variants}}}{extra}]}}"#
        )
    };
    let split = r#","variants":[{"id":"old"},{"id":"new","message":{"title":"New"}}]"#;
    let other = r#",{"id":"other","trigger":{"on":"page_view"},"message":{"title":"Other"}}"#;
    // Version 1 (20 days before): no test. Version 2 (10 days before): the test. Version 3 (2
    // days before): another scenario added, the test left as it was.
    let db = rusqlite::Connection::open(&srv.db).unwrap();
    for (version, body, published) in
        [(1, config("", ""), t0 - 20 * day), (2, config(split, ""), t0 - 10 * day), (3, config(split, other), t0 - 2 * day)]
    {
        assert_eq!(request(&srv.addr, "PUT", "/api/sites/run/config", "", body.as_bytes()).0, 201);
        db.execute("UPDATE config_versions SET created_at = ?1 WHERE site = 'run' AND version = ?2", [published, version])
            .unwrap();
    }
    // 9 days before: 30 of 150 who saw "old" bought for ¥5,000, 75 of 150 who saw "new" for
    // ¥100; today, 2 of 10 for ¥100 and 5 of 10 for ¥1,000.
    let mut events = Vec::new();
    for (at, variant, exposed, bought, value) in [
        (t0 - 9 * day, "old", 150, 30, 5000),
        (t0 - 9 * day, "new", 150, 75, 100),
        (t0, "old", 10, 2, 100),
        (t0, "new", 10, 5, 1000),
    ] {
        for i in 0..exposed {
            let visitor = format!("{variant}-{at}-{i}");
            let params = format!(r#"{{"scenario_id":"headline","variant":"{variant}"}}"#);
            events.push(common::ev(&format!("{visitor}-x"), "shopcue_exposure", &visitor, at, &params));
            if i < bought {
                let spent = format!(r#"{{"value":{value}}}"#);
                events.push(common::ev(&format!("{visitor}-p"), "purchase", &visitor, at + 60_000, &spent));
            }
        }
    }
    let batch = format!(r#"{{"site":"run","events":[{}]}}"#, events.join(","));
    assert_eq!(request(&srv.addr, "POST", "/collect", "", batch.as_bytes()).0, 200);
    // Today's report: 10 visitors a variant in its table, and the verdict over the run.
    let today = t0.div_euclid(day) * day;
    let sc = scenario_of(&srm_report(&srv.addr, "run", today, today + day), "headline");
    let field = |path: &str| sc.get_path(path).map(|x| x.to_json()).unwrap_or_default();
    let new = sc
        .get("variants")
        .and_then(|v| v.as_array())
        .unwrap()
        .iter()
        .find(|v| v.get("variant").and_then(|x| x.as_str()) == Some("new"))
        .unwrap()
        .clone();
    assert_eq!(new.get("exposed").and_then(|e| e.as_f64()), Some(10.0), "the table is the period's: {}", sc.to_json());
    let began = (t0 - 10 * day).div_euclid(day) * day;
    assert_eq!(field("verdict.since"), began.to_string(), "{}", sc.to_json());
    assert_eq!(field("verdict.since_test_began"), "true");
    // 80 of 160 against 32 of 160: sure over the run, which today's 5 of 10 against 2 of 10 are not.
    assert_eq!(
        (field("verdict.leader"), field("verdict.decided"), field("verdict.diff")),
        (r#""new""#.into(), "true".into(), "0.3".into())
    );
    // Its guardrail reads the run's spend too: "new" wins the orders, but its visitors surely
    // spend less (¥78.13 against ¥938.75), though today's table says they spend more.
    assert_eq!(field("verdict.guardrail.variant"), r#""old""#, "{}", sc.to_json());
    assert_eq!(field("verdict.guardrail.diff"), "-860.63");
    let ci = sc.get_path("verdict.guardrail.sequential_ci95").and_then(|c| c.as_array()).unwrap().to_vec();
    assert!(ci[0].as_f64().unwrap() < -860.63 && ci[1].as_f64().unwrap() < 0.0, "{}", sc.to_json());
    let spent = |v: &str| {
        let all = sc.get_path("verdict.variants").and_then(|x| x.as_array()).unwrap();
        let f = all.iter().find(|f| f.get("variant").and_then(|x| x.as_str()) == Some(v)).unwrap();
        f.get("revenue_per_visitor").map(|x| x.to_json()).unwrap_or_default()
    };
    assert_eq!((spent("old"), spent("new")), ("938.75".into(), "78.13".into()));
    assert_eq!(new.get_path("vs_baseline.revenue_per_visitor.diff").map(|x| x.to_json()), Some("480".into()));
    // The CSV says the guardrail on each of the test's rows, as it says its winner.
    let (status, _, csv) =
        request(&srv.addr, "GET", &format!("/report?site=run&from={today}&to={}&format=csv", today + day), "", b"");
    assert_eq!(status, 200, "{csv}");
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> =
        csv.lines().skip(1).filter(|l| l.starts_with("headline,")).map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    for row in &rows {
        let cell = |name: &str| row[header.iter().position(|h| *h == name).unwrap()];
        assert_eq!(
            [cell("winner"), cell("guardrail_variant"), cell("guardrail_revenue_per_visitor_diff")],
            ["new", "old", "-860.63"]
        );
        assert!(cell("guardrail_sequential_ci95_high").parse::<f64>().unwrap() < 0.0, "{csv}");
    }
    // New weights start a new run: days split 50/50 are not pooled with days split 80/20.
    let reweighed = r#","variants":[{"id":"old","weight":80},{"id":"new","weight":20,"message":{"title":"New"}}]"#;
    assert_eq!(request(&srv.addr, "PUT", "/api/sites/run/config", "", config(reweighed, other).as_bytes()).0, 201);
    let sc = scenario_of(&srm_report(&srv.addr, "run", today, today + day), "headline");
    assert_eq!(sc.get_path("verdict.since").map(|x| x.to_json()), Some(today.to_string()), "{}", sc.to_json());
    let figures = |sc: &shopcue::json::Value| sc.get_path("verdict.variants").map(|x| x.to_json()).unwrap_or_default();
    assert!(figures(&sc).contains(r#""exposed":10"#) && !figures(&sc).contains("160"), "{}", figures(&sc));
    // A scenario out of the test (version 1's "headline" had no variants) is not part of it:
    // variants renamed start a new run.
    let renamed = r#","variants":[{"id":"old"},{"id":"newer","message":{"title":"Newer"}}]"#;
    assert_eq!(request(&srv.addr, "PUT", "/api/sites/run/config", "", config(renamed, other).as_bytes()).0, 201);
    let sc = scenario_of(&srm_report(&srv.addr, "run", today, today + day), "headline");
    let since = sc.get_path("verdict.since").map(|x| x.to_json()).unwrap_or_default();
    assert!(since.is_empty() || since == today.to_string(), "{}", sc.to_json());
}

#[test]
fn an_earlier_version_s_split_is_checked_on_the_days_it_was_live() {
    let srv = start();
    let (t0, day) = (common::t0(), common::DAY);
    // Version 1 held out half, from ten days before; version 2 holds out 10 %, from three days
    // before.
    let db = rusqlite::Connection::open(&srv.db).unwrap();
    for (version, holdout, published) in [(1, 0.5, t0 - 10 * day), (2, 0.1, t0 - 3 * day)] {
        assert_eq!(request(&srv.addr, "PUT", "/api/sites/srm2/config", "", srm_config("srm2", holdout).as_bytes()).0, 201);
        let moved = "UPDATE config_versions SET created_at = ?1 WHERE site = 'srm2' AND version = ?2";
        db.execute(moved, [published, version]).unwrap();
    }
    // Six days before (version 1): "off" 50 of 200 held out where half should be, "fair" 100
    // of 200. Today (version 2): both 20 of 200.
    let groups = [(t0 - 6 * day, "off", 150, 50), (t0 - 6 * day, "fair", 100, 100), (t0, "off", 180, 20), (t0, "fair", 180, 20)];
    let batch = srm_exposures("srm2", &groups);
    assert_eq!(request(&srv.addr, "POST", "/collect", "", batch.as_bytes()).0, 200);
    let scenario = |from: i64, to: i64, id: &str| scenario_of(&srm_report(&srv.addr, "srm2", from, to), id);
    let field = |v: &shopcue::json::Value, path: &str| v.get_path(path).map(|x| x.to_json()).unwrap_or_default();
    let (v1_since, v2_since) = ((t0 - 10 * day).div_euclid(day) * day + day, (t0 - 3 * day).div_euclid(day) * day + day);
    let off = scenario(t0 - 12 * day, t0 + day, "off");
    // The live version's days: as configured.
    assert_eq!((field(&off, "srm.version"), field(&off, "srm.mismatch")), ("2".into(), "false".into()), "{}", off.to_json());
    assert_eq!(field(&off, "srm.since"), v2_since.to_string());
    // Version 1's days, up to the day version 2 was published: 25 % held out of 50 %.
    let before = off.get("srm_earlier").and_then(|e| e.as_array()).map(|e| e.to_vec()).unwrap_or_default();
    assert_eq!(before.len(), 1, "{}", off.to_json());
    assert_eq!(
        [field(&before[0], "version"), field(&before[0], "since"), field(&before[0], "until"), field(&before[0], "mismatch")],
        ["1".to_string(), v1_since.to_string(), (v2_since - day).to_string(), "true".into()]
    );
    assert_eq!(field(&before[0], "observed"), r#"{"":150,"holdout":50}"#);
    let fair = scenario(t0 - 12 * day, t0 + day, "fair");
    assert_eq!(field(&fair, "srm_earlier.0.mismatch"), "false", "{}", fair.to_json());
    // A period inside version 1's days has that check alone, as its srm.
    let then = scenario(t0 - 8 * day, t0 - 4 * day, "off");
    assert_eq!((field(&then, "srm.version"), field(&then, "srm.mismatch")), ("1".into(), "true".into()), "{}", then.to_json());
    assert!(then.get("srm_earlier").is_none());
}

#[test]
fn slow_clients_are_cut_off_by_read_timeouts() {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let dir = common::temp_dir("collector-timeout");
    let store = shopcue_collector::sqlite::SqliteStore::open(&dir.0.join("e.sqlite")).unwrap();
    let mut app = shopcue_collector::App::new(std::sync::Arc::new(store), Vec::new(), Vec::new());
    app.read_timeout = Duration::from_millis(500);
    let addr = common::serve(app);
    // Headers never finished (slow-loris): the connection is closed.
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"POST /collect HTTP/1.1\r\nHost: x\r\n").unwrap();
    let started = Instant::now();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "closed after the header timeout, not the client's: {:?}",
        started.elapsed()
    );
    // Headers complete, body stalls: 408 with the reason.
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"POST /collect HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"site\":").unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let reply = String::from_utf8_lossy(&out);
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(reply.contains("body not received within 0.5 s"), "{reply}");
}

/// The RF table over HTTP, from purchases sent to `/collect`: a member's two devices are one
/// customer, a sample-only buyer is F0, and a scenario's reach shows on the customer's cell.
#[test]
fn rf_table_over_http_from_collected_purchases() {
    use common::{ev, DAY};
    let server = start();
    let now = common::now_ms();
    let as_of = now - 20 * DAY;
    let events = [
        // m1: bought on phone 25 days ago (before the table's date), again on laptop 5 days ago.
        ev("p1", "purchase", "phone", now - 25 * DAY, r#"{"user_id":"m1","value":3000}"#),
        ev("p2", "purchase", "laptop", now - 5 * DAY, r#"{"user_id":"m1","value":1000}"#),
        // v2: a sample 22 days ago, nothing since.
        ev("p3", "purchase", "v2", now - 22 * DAY, r#"{"items":[{"item_id":"s","price":500,"item_category":"food/sample"}]}"#),
        // The laptop was reached by scenario f2 after the table's date.
        ev("x1", "shopcue_exposure", "laptop", now - 10 * DAY, r#"{"scenario_id":"f2","variant":null}"#),
    ];
    let body = format!(r#"{{"site":"demo","events":[{}]}}"#, events.join(","));
    assert_eq!(request(&server.addr, "POST", "/collect", "", body.as_bytes()).0, 200);
    let path = format!("/report/rf?site=demo&from={as_of}&to={now}");
    let (status, _, json) = request(&server.addr, "GET", &path, "", b"");
    assert_eq!(status, 200, "{json}");
    let rf = shopcue::json::parse(&json).unwrap();
    let cell = |r: usize, f: usize| rf.get("cells").unwrap().as_array().unwrap()[r].as_array().unwrap()[f].clone();
    assert_eq!(rf.get("customers").and_then(shopcue::json::Value::as_f64), Some(2.0), "{json}");
    assert_eq!(
        cell(0, 1).to_json(),
        r#"{"customers":1,"customer_share":0.5,"repeat_rate":1,"revenue_share":0.857143,"reached":{"f2":1}}"#
    );
    assert_eq!(
        cell(0, 0).to_json(),
        r#"{"customers":1,"customer_share":0.5,"repeat_rate":0,"revenue_share":0.142857,"reached":{}}"#
    );
    let (status, head, csv) = request(&server.addr, "GET", &format!("{path}&format=csv"), "", b"");
    assert_eq!(status, 200);
    let date = shopcue_collector::analytics::utc_date;
    assert!(head.contains(&format!("filename=shopcue-demo-rf-{}-{}.csv", date(as_of), date(now - 1))), "{head}");
    assert!(csv.contains("\n<1,1,1,0.5,1,0.857143,1\n"), "{csv}");
    let (status, _, bad) = request(&server.addr, "GET", "/report/rf?from=0", "", b"");
    assert_eq!((status, bad.contains("site is required")), (400, true), "{bad}");
    let (status, _, bad) = request(&server.addr, "GET", "/report?site=demo&table=nope", "", b"");
    assert_eq!(status, 400, "{bad}");
    for (path, why) in [
        ("/report?site=demo&device=phone", "device must be all, mobile, tablet, desktop, unknown"),
        ("/report/rf?site=demo&visitor=old", "visitor must be all, new, returning, unknown"),
        // A parameter the report does not read would give the figures of another period or
        // scope than the one asked for, silently.
        ("/report?site=demo&days=7", "unknown parameter \"days\". This report reads site, from, to, device, visitor, channel, format, attribution_days, table (the period: from and to"),
        ("/report?site=demo&atribution_days=1", "unknown parameter \"atribution_days\". Did you mean \"attribution_days\"?"),
        ("/report?site=demo&segment=vip", "unknown parameter \"segment\""),
        ("/report/rf?site=demo&table=daily", "unknown parameter \"table\""),
        ("/report?site=demo&format=xml", "format must be json or csv, not \"xml\""),
    ] {
        let (status, _, bad) = request(&server.addr, "GET", path, "", b"");
        let said = shopcue::json::parse(&bad).ok().and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string));
        assert_eq!((status, said.is_some_and(|e| e.contains(why))), (400, true), "{bad}");
    }
}

/// A simulated history keeps to its period: whatever hour of the day it opens and closes, every
/// visit (its first event, its last and its beacon) falls inside it, so a report over exactly
/// the period counts every purchase the simulation made.
#[test]
fn a_simulated_history_keeps_to_its_period_whatever_the_hour() {
    use shopcue_collector::simulate::{simulate, Simulation};
    use shopcue_collector::store::EventStore;
    let config = shopcue::json::parse(include_str!("../../../examples/demo-store-history.json")).unwrap();
    let dir = common::temp_dir("simulate-end");
    // A fixed midnight UTC, then each quarter hour of a day: visits run 9:00–24:00 JST.
    let midnight: i64 = 1_780_000_000_000 / 86_400_000 * 86_400_000;
    for quarter in 0..96 {
        let end = midnight + quarter * 900_000;
        let store = shopcue_collector::sqlite::SqliteStore::open(&dir.0.join(format!("{quarter}.sqlite"))).unwrap();
        let sim = Simulation { site: "demo-store".into(), days: 2, shoppers: 40, seed: 11, end_ms: end };
        let made = simulate(&store, &config, &sim).unwrap();
        let start = end - 2 * 86_400_000;
        let rows = store.select("SELECT min(ts), max(ts), max(received_at) FROM events", &[]).unwrap();
        let (first, last, received) = (rows[0][0].int(), rows[0][1].int(), rows[0][2].int());
        assert!(first >= start, "an event at {first}, before the period's start {start} (quarter {quarter})");
        assert!(last < end, "an event at {last}, after the period's end {end} (quarter {quarter})");
        assert!(received >= last && received <= end, "received at {received}, event at {last}, end {end}");
        let rows = store.select("SELECT count(*) FROM events WHERE name = 'purchase'", &[]).unwrap();
        assert_eq!(rows[0][0].int() as usize, made.purchases);
        // Each visit comes from somewhere: every event has a channel, and the visits several.
        let rows = store.select("SELECT count(*) FROM events WHERE segment NOT LIKE '%:%:%'", &[]).unwrap();
        assert_eq!(rows[0][0].int(), 0, "events without a channel");
        let rows = store.select("SELECT segment FROM events", &[]).unwrap();
        let channels: std::collections::BTreeSet<String> =
            rows.iter().map(|r| r[0].text().rsplit(':').next().unwrap().to_string()).collect();
        assert!(channels.len() >= 4 && channels.contains("organic_search"), "{channels:?}");
    }
}

/// A method a path does not take gets `405` with the methods it does take, in the `Allow` header
/// and in a JSON body that says so (the router's own `405` had no body).
#[test]
fn a_method_a_path_does_not_take_is_named_with_the_ones_it_does() {
    let srv = start();
    for (method, path, allowed) in [
        ("GET", "/collect", "POST, OPTIONS"),
        ("DELETE", "/api/sites/demo/config", "PUT, GET, HEAD"),
        ("POST", "/report", "GET, HEAD"),
    ] {
        let (status, head, body) = request(&srv.addr, method, path, "", b"");
        assert_eq!(status, 405, "{method} {path}");
        assert!(
            head.to_ascii_lowercase().contains(&format!("allow: {}", allowed.replace(", ", ",").to_ascii_lowercase())),
            "{head}"
        );
        assert_eq!(body, format!(r#"{{"error":"method not allowed: this path takes {allowed}"}}"#), "{method} {path}");
    }
}

/// `GET /` on a collector with no store's index to serve: a browser gets a page that says what
/// the server is and links its dashboard and studio (it got "not found"); other clients still 404.
/// A route of the API that is not there is a JSON 404 (it was a plain-text "not found").
#[test]
fn the_root_of_a_bare_collector_and_an_api_route_not_there_say_what_they_are() {
    let dir = common::temp_dir("collector-bare");
    let addr =
        common::start_with(std::sync::Arc::new(shopcue_collector::sqlite::SqliteStore::open(&dir.0.join("e.sqlite")).unwrap()));
    let (status, head, body) = request(&addr, "GET", "/", "Accept: text/html,application/xhtml+xml\r\n", b"");
    assert_eq!(status, 200, "{body}");
    assert!(head.to_ascii_lowercase().contains("content-type: text/html"), "{head}");
    assert!(body.contains("<title>Shopcue collector</title>") && body.contains(r#"<section id="home">"#), "{body}");
    assert!(body.contains(r#"href="/dashboard""#) && body.contains(r#"href="/studio""#), "{body}");
    assert!(body.contains("<form hidden "), "no sign-in form on it");
    assert_eq!(request(&addr, "GET", "/", "", b"").0, 404, "not a browser");
    assert_eq!(request(&addr, "GET", "/nothing.html", "Accept: text/html\r\n", b"").0, 404, "only the root");
    // A route of the API that is not there: JSON, as the API answers.
    let (status, head, body) = request(&addr, "GET", "/api/sites/demo/confg", "", b"");
    assert_eq!(status, 404);
    assert!(head.to_ascii_lowercase().contains("content-type: application/json"), "{head}");
    assert_eq!(body, r#"{"error":"no such API route: /api/sites/demo/confg (see the README's \"Publishing configs\")"}"#);
    // A collector serving a store: its index, as before.
    let (_, _, body) = request(&start().addr, "GET", "/", "Accept: text/html\r\n", b"");
    assert_eq!(body, "<h1>store</h1>");
}
