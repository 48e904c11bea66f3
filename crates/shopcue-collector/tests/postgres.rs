//! The collector on a real PostgreSQL server (a throwaway cluster from Debian's packages,
//! started by the test itself), over real HTTP on loopback.

mod common;

use std::sync::Arc;

use common::{report_batch, request, start_sqlite, start_with, t0, Postgres, DAY};
use shopcue_collector::pg::PgStore;

fn events(ids: &[&str]) -> String {
    let evs: Vec<String> = ids.iter().map(|id| common::ev(id, "view_item", "v", t0(), "{}")).collect();
    format!(r#"{{"site":"demo","events":[{}]}}"#, evs.join(","))
}

fn count(url: &str, sql: &str) -> i64 {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.query_one(sql, &[]).unwrap().get(0)
}

/// A throwaway cluster, a store on it, and three collectors on it (the first on that store).
fn three_collectors() -> (Postgres, Arc<PgStore>, Vec<String>) {
    let pg = Postgres::start();
    let store = Arc::new(PgStore::open(&pg.url).unwrap());
    let mut collectors = vec![start_with(store.clone())];
    collectors.extend((0..2).map(|_| start_with(Arc::new(PgStore::open(&pg.url).unwrap()))));
    (pg, store, collectors)
}

/// Sends `events` shuffled (a fixed `seed`) in batches of `batch`, each to the next of
/// `collectors`, `width` batches at once (odd ones with `agent`'s header), and checks each 200.
fn send_shuffled(collectors: &[String], mut events: Vec<String>, seed: u64, batch: usize, width: usize, agent: &'static str) {
    let mut seed = seed;
    for i in (1..events.len()).rev() {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        events.swap(i, (seed >> 33) as usize % (i + 1));
    }
    for wave in events.chunks(batch * width) {
        let sends: Vec<_> = wave
            .chunks(batch)
            .enumerate()
            .map(|(i, chunk)| {
                let addr = collectors[i % collectors.len()].clone();
                let body = format!(r#"{{"site":"demo","events":[{}]}}"#, chunk.join(","));
                let agent = if i % 2 == 0 { agent } else { "" };
                std::thread::spawn(move || request(&addr, "POST", "/collect", agent, body.as_bytes()))
            })
            .collect();
        for s in sends {
            let (status, _, reply) = s.join().unwrap();
            assert_eq!(status, 200, "{reply}");
        }
    }
}

#[test]
fn stores_each_event_once_across_two_collectors_on_one_database() {
    let pg = Postgres::start();
    // Two stateless collectors behind a load balancer, sharing one database.
    let (a, b) = (start_with(Arc::new(PgStore::open(&pg.url).unwrap())), start_with(Arc::new(PgStore::open(&pg.url).unwrap())));
    let (status, _, reply) = request(&a, "POST", "/collect", "", events(&["e1", "e2", "e2"]).as_bytes());
    assert_eq!(status, 200, "{reply}");
    assert!(reply.contains(r#""accepted":2,"duplicates":1"#), "{reply}");
    // Committed before the reply: another connection sees the rows at once.
    assert_eq!(count(&pg.url, "SELECT count(*) FROM events"), 2);
    // The client retries through the other collector: nothing new.
    let (status, _, reply) = request(&b, "POST", "/collect", "", events(&["e1", "e2", "e3"]).as_bytes());
    assert_eq!(status, 200);
    assert!(reply.contains(r#""accepted":1,"duplicates":2"#), "{reply}");
    assert_eq!(count(&pg.url, "SELECT count(*) FROM events"), 3);
    // Text PostgreSQL cannot hold (NUL) is rejected per event, the rest kept.
    let body = r#"{"site":"demo","events":[{"id":"n\u0000","name":"view_item","ts":1,"visitor_id":"v"},
        {"id":"ok","name":"view_item","ts":1,"visitor_id":"v","url":"/a\u0000"}]}"#;
    let (status, _, reply) = request(&a, "POST", "/collect", "", body.as_bytes());
    assert_eq!(status, 200, "{reply}");
    assert!(reply.contains("must not contain NUL"), "{reply}");
    // One order is one purchase: sent again under a new event id (a reloaded thank-you page in
    // a browser that keeps no profile), through the other collector.
    let order = |id: &str| {
        let purchase = common::ev(id, "purchase", "v", t0(), r#"{"transaction_id":10234,"value":1980}"#);
        format!(r#"{{"site":"demo","events":[{purchase}]}}"#)
    };
    assert!(request(&a, "POST", "/collect", "", order("p1").as_bytes()).2.contains(r#""accepted":1"#));
    let (_, _, reply) = request(&b, "POST", "/collect", "", order("p2").as_bytes());
    assert!(reply.contains(r#""accepted":0,"duplicates":1"#), "{reply}");
    assert_eq!(count(&pg.url, "SELECT count(*) FROM events WHERE name = 'purchase' AND id = 'order:10234'"), 1);
    assert_eq!(request(&a, "GET", "/healthz", "", b"").0, 200);
}

#[test]
fn concurrent_clients_are_group_committed_without_loss_or_duplicates() {
    let pg = Postgres::start();
    let mut app = shopcue_collector::App::new(Arc::new(PgStore::open(&pg.url).unwrap()), Vec::new(), Vec::new());
    app.limiter = Arc::new(shopcue_collector::limit::RateLimiter::new(10_000.0, 10_000.0));
    let commit = app.commit.clone();
    let addr = common::serve(app);
    // 16 clients × 25 batches of 20 events; every second batch repeats the previous one.
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                for b in 0..25 {
                    let n = b - b % 2;
                    let ids: Vec<String> = (0..20).map(|i| format!("t{t}-b{n}-e{i}")).collect();
                    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                    let (status, _, reply) = request(&addr, "POST", "/collect", "", events(&ids).as_bytes());
                    assert_eq!(status, 200, "{reply}");
                    let expected = if b % 2 == 0 { r#""accepted":20,"duplicates":0"# } else { r#""accepted":0,"duplicates":20"# };
                    assert!(reply.contains(expected), "{reply}");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(count(&pg.url, "SELECT count(*) FROM events"), 16 * 13 * 20);
    let (transactions, batches) = commit.stats();
    println!("PostgreSQL group commit: {batches} batches in {transactions} transactions");
    assert_eq!(batches, 16 * 25);
}

#[test]
fn ids_are_unique_per_site_and_an_old_table_keyed_by_id_alone_is_migrated() {
    let pg = Postgres::start();
    let mut c = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
    c.batch_execute(
        "CREATE TABLE events (id TEXT PRIMARY KEY, site TEXT NOT NULL, name TEXT NOT NULL, ts BIGINT NOT NULL,
           visitor_id TEXT NOT NULL, session_id TEXT NOT NULL, url TEXT NOT NULL, scenario_id TEXT, variant TEXT,
           json TEXT NOT NULL, received_at BIGINT NOT NULL);
         INSERT INTO events VALUES ('e1', 'other', 'view_item', 1, 'v', 's', '/', NULL, NULL, '{}', 1);",
    )
    .unwrap();
    let addr = start_with(Arc::new(PgStore::open(&pg.url).unwrap()));
    // "e1" is taken under another site: the demo site's e1 is still stored, once.
    let (_, _, reply) = request(&addr, "POST", "/collect", "", events(&["e1", "e1"]).as_bytes());
    assert!(reply.contains(r#""accepted":1,"duplicates":1"#), "{reply}");
    assert_eq!(count(&pg.url, "SELECT count(*) FROM events WHERE id = 'e1'"), 2);
    let key = "SELECT count(*) FROM information_schema.key_column_usage WHERE table_name = 'events' AND constraint_name = 'events_pkey'";
    assert_eq!(count(&pg.url, key), 2, "keyed by (site, id)");
}

#[test]
fn a_database_written_before_segments_gets_them_and_its_rollups_rebuilt() {
    let pg = Postgres::start();
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64 - 5 * DAY;
    postgres::Client::connect(&pg.url, postgres::NoTls).unwrap().batch_execute(&common::before_segments(t)).unwrap();
    let addr = start_with(Arc::new(PgStore::open(&pg.url).unwrap()));
    assert_eq!(count(&pg.url, "SELECT count(*) FROM events WHERE segment = 'unknown:unknown'"), 3);
    let report = |filter: &str| request(&addr, "GET", &format!("/report?site=b{filter}"), "", b"").2;
    assert!(report("").contains(common::BEFORE_SEGMENTS_ROW), "{}", report(""));
    assert!(report("&device=unknown").contains(common::BEFORE_SEGMENTS_ROW));
    assert!(report("&visitor=new").contains(r#""scenarios":[]"#), "{}", report("&visitor=new"));
}

#[test]
fn three_collectors_on_one_database_store_every_resent_event_exactly_once() {
    let pg = Postgres::start();
    let collectors: Vec<String> = (0..3).map(|_| start_with(Arc::new(PgStore::open(&pg.url).unwrap()))).collect();
    // Twelve clients each send the report batch's events in batches of five, every batch to all
    // three collectors at once (a load balancer retrying elsewhere after a lost reply).
    let events: Vec<String> = (0..12)
        .flat_map(|c| {
            (0..25).map(move |i| {
                let (name, params) =
                    if i % 5 == 0 { ("purchase", "{}") } else { ("shopcue_exposure", r#"{"scenario_id":"s","variant":"a"}"#) };
                common::ev(&format!("c{c}-{i}"), name, &format!("v{c}-{}", i % 7), t0() + i64::from(i) * 1000, params)
            })
        })
        .collect();
    let threads: Vec<_> = events
        .chunks(5)
        .map(|chunk| {
            let body = format!(r#"{{"site":"demo","events":[{}]}}"#, chunk.join(","));
            let collectors = collectors.clone();
            std::thread::spawn(move || {
                let sends: Vec<_> = collectors
                    .into_iter()
                    .map(|addr| {
                        let body = body.clone();
                        std::thread::spawn(move || request(&addr, "POST", "/collect", "", body.as_bytes()))
                    })
                    .collect();
                sends.into_iter().map(|s| s.join().unwrap()).collect::<Vec<_>>()
            })
        })
        .collect();
    let mut accepted = 0;
    for t in threads {
        for (status, _, reply) in t.join().unwrap() {
            assert_eq!(status, 200, "{reply}");
            let v = shopcue::json::parse(&reply).unwrap();
            accepted += v.get("accepted").and_then(|n| n.as_f64()).unwrap() as usize;
        }
    }
    assert_eq!(accepted, events.len(), "each event accepted by exactly one of the three");
    assert_eq!(count(&pg.url, "SELECT count(*) FROM events") as usize, events.len());
    // The rollups counted each once too: every visitor exposed once, in one row per visitor.
    assert_eq!(count(&pg.url, "SELECT count(*) FROM exposures"), 12 * 7);
    assert_eq!(count(&pg.url, "SELECT sum(purchases)::int8 FROM rollup_daily"), 12 * 5);
}

#[test]
fn reports_match_sqlite_figure_for_figure() {
    let pg = Postgres::start();
    let on_pg = start_with(Arc::new(PgStore::open(&pg.url).unwrap()));
    let on_sqlite = start_sqlite();
    for addr in [&on_pg, &on_sqlite.addr] {
        assert_eq!(request(addr, "POST", "/collect", "", report_batch().as_bytes()).0, 200);
    }
    for format in ["json", "csv"] {
        let path = format!("/report?site=demo&from={}&to={}&format={format}", t0() - 10 * DAY, t0() + 30 * DAY);
        let (status, _, from_pg) = request(&on_pg, "GET", &path, "", b"");
        assert_eq!(status, 200, "{from_pg}");
        let (_, _, from_sqlite) = request(&on_sqlite.addr, "GET", &path, "", b"");
        assert_eq!(from_pg, from_sqlite, "{format}");
        assert!(from_pg.contains("holdout") && from_pg.contains("0.539482"), "{from_pg}");
        if format == "json" {
            let c = shopcue::time::civil(t0(), 0);
            let day =
                format!(r#"{{"date":"{}-{:02}-{:02}","impressions":10,"purchases":0,"sessions":0}}"#, c.year, c.month, c.day);
            assert!(from_pg.contains(&day), "{from_pg}");
        }
    }
}

#[test]
fn a_database_outage_answers_503_and_the_collector_recovers() {
    let mut pg = Postgres::start();
    if std::env::var("SHOPCUE_TEST_POSTGRES_URL").is_ok() {
        return; // an external server cannot be stopped from here
    }
    let addr = start_with(Arc::new(PgStore::open(&pg.url).unwrap()));
    assert_eq!(request(&addr, "POST", "/collect", "", events(&["before"]).as_bytes()).0, 200);
    pg.kill();
    let (status, _, reply) = request(&addr, "POST", "/collect", "", events(&["during"]).as_bytes());
    assert_eq!(status, 503, "nothing committed, so the client must retry: {reply}");
    assert_eq!(request(&addr, "GET", "/healthz", "", b"").0, 503);
    pg.run();
    // The same batch again (the client's retry) is stored once the database is back.
    let (status, _, reply) = request(&addr, "POST", "/collect", "", events(&["during"]).as_bytes());
    assert_eq!(status, 200, "{reply}");
    assert_eq!(count(&pg.url, "SELECT count(*) FROM events"), 2);
    assert_eq!(request(&addr, "GET", "/healthz", "", b"").0, 200);
}

/// The demo data generator drives the real runtime: the same seed writes the same history to
/// either store, and every analytics table (JSON and CSV) reads the same from both.
#[test]
fn simulated_history_reads_the_same_on_both_stores_in_every_table() {
    use shopcue_collector::simulate::{simulate, Simulation};
    let pg = Postgres::start();
    let pg_store = Arc::new(PgStore::open(&pg.url).unwrap());
    let dir = common::temp_dir("simulate");
    let sqlite = Arc::new(shopcue_collector::sqlite::SqliteStore::open(&dir.0.join("s.sqlite")).unwrap());
    let config = shopcue::json::parse(include_str!("../../../examples/demo-store-history.json")).unwrap();
    // A fixed end (2026-11-30T00:00:00Z), not the clock's: the simulated visits fall at hours
    // of the day counted from it, so a history ending at the hour the test ran had its channels'
    // conversion rates vary with that hour (paid social 0.060–0.109 against email's 0.16–0.21).
    let end = 1_795_996_800_000;
    let sim = Simulation { site: "demo-store".into(), days: 60, shoppers: 400, seed: 7, end_ms: end };
    let on_pg = simulate(&*pg_store, &config, &sim).unwrap();
    let on_sqlite = simulate(&*sqlite, &config, &sim).unwrap();
    assert_eq!(on_pg, on_sqlite, "the same seed, the same history");
    assert!(on_pg.purchases > 30 && on_pg.impressions > 200 && on_pg.events > 5000, "{on_pg:?}");
    let (pg_addr, sqlite_addr) = (start_with(pg_store), start_with(sqlite));
    let span = format!("site=demo-store&from={}&to={end}", end - 60 * DAY);
    let rf_span = format!("site=demo-store&from={}&to={end}", end - 20 * DAY);
    let paths = [
        format!("/report?{span}"),
        format!("/report?{span}&format=csv"),
        format!("/report?{span}&format=csv&table=daily"),
        format!("/report?{span}&format=csv&table=scenario_daily"),
        format!("/report/rf?{rf_span}"),
        format!("/report/rf?{rf_span}&format=csv"),
        format!("/report?{span}&device=mobile&visitor=returning"),
        format!("/report?{span}&visitor=new&format=csv&table=scenario_daily"),
        format!("/report/rf?{rf_span}&device=desktop"),
        format!("/report?{span}&channel=organic_search&format=csv"),
        format!("/report?{span}&device=mobile&channel=paid_social"),
    ];
    for path in &paths {
        let (status, _, from_pg) = request(&pg_addr, "GET", path, "", b"");
        assert_eq!(status, 200, "{path}: {from_pg}");
        let (_, _, from_sqlite) = request(&sqlite_addr, "GET", path, "", b"");
        assert_eq!(from_pg, from_sqlite, "{path}");
    }
    let report = shopcue::json::parse(&request(&pg_addr, "GET", &paths[0], "", b"").2).unwrap();
    let orders = report.get("orders").unwrap();
    assert_eq!(orders.get("count").and_then(shopcue::json::Value::as_f64), Some(on_pg.purchases as f64));
    // Every visit began inside the period, each one session; orders per session.
    assert_eq!(report.get("sessions").and_then(shopcue::json::Value::as_f64), Some(on_pg.sessions as f64));
    let rate = orders.get("conversion_rate").and_then(shopcue::json::Value::as_f64).unwrap();
    assert!((rate - on_pg.purchases as f64 / on_pg.sessions as f64).abs() < 1e-6, "{rate} (written to 6 significant digits)");
    assert!(report.to_json().contains("\"incremental_revenue\""), "variants against a holdout get a revenue estimate");
    // The newsletter banner's conversions are sign-ups, at most one per shopper who signed up;
    // it has an uplift but no revenue estimate (a sign-up has no order value).
    let scenarios = report.get("scenarios").and_then(shopcue::json::Value::as_array).unwrap();
    let newsletter = scenarios.iter().find(|s| s.get("scenario_id").and_then(|v| v.as_str()) == Some("newsletter")).unwrap();
    assert_eq!(newsletter.get("goals").unwrap().to_json(), r#"["sign_up"]"#);
    let conversions: f64 = newsletter
        .get("variants")
        .and_then(|v| v.as_array())
        .unwrap()
        .iter()
        .filter_map(|v| v.get("conversions")?.as_f64())
        .sum();
    assert!(conversions <= on_pg.goals as f64 && on_pg.goals > 0, "{conversions} of {} sign-ups", on_pg.goals);
    assert!(!newsletter.to_json().contains("incremental_revenue"), "{}", newsletter.to_json());
    let rf = shopcue::json::parse(&request(&pg_addr, "GET", &paths[4], "", b"").2).unwrap();
    let customers = |rf: &shopcue::json::Value| rf.get("customers").and_then(shopcue::json::Value::as_f64).unwrap();
    assert!(customers(&rf) > 10.0, "{}", rf.to_json());
    // Filters: every order was made on one of the three device classes the simulation uses, and
    // in a new or a returning visit; the desktop's RF table has fewer customers than the whole.
    let order_count = |filter: &str| {
        let r = shopcue::json::parse(&request(&pg_addr, "GET", &format!("/report?{span}{filter}"), "", b"").2).unwrap();
        r.get("orders").and_then(|o| o.get("count")).and_then(shopcue::json::Value::as_f64).unwrap() as usize
    };
    let by_device: Vec<usize> = ["mobile", "desktop", "tablet"].iter().map(|d| order_count(&format!("&device={d}"))).collect();
    assert_eq!(by_device.iter().sum::<usize>(), on_pg.purchases, "{by_device:?}");
    assert!(by_device.iter().all(|n| *n > 0), "{by_device:?}");
    assert_eq!(order_count("&visitor=new") + order_count("&visitor=returning"), on_pg.purchases);
    assert_eq!(order_count("&device=unknown"), 0);
    // And in a visit from one of the seven channels the simulation's visits come from.
    let channels = ["direct", "organic_search", "paid_search", "organic_social", "paid_social", "email", "referral"];
    let by_channel: Vec<usize> = channels.iter().map(|c| order_count(&format!("&channel={c}"))).collect();
    assert_eq!(by_channel.iter().sum::<usize>(), on_pg.purchases, "{by_channel:?}");
    assert!(by_channel[1] > 0 && by_channel[0] > 0, "{by_channel:?}");
    assert_eq!(order_count("&channel=display"), 0);
    // The report's channels hold those orders, each channel's the filter's count, and its
    // sessions the filter's; together every session.
    let figure = |v: &shopcue::json::Value, name: &str| v.get(name).and_then(shopcue::json::Value::as_f64).unwrap() as usize;
    let listed: Vec<(String, usize)> = (report.get("channels").and_then(shopcue::json::Value::as_array).unwrap().iter())
        .map(|c| (c.get("channel").and_then(|n| n.as_str()).unwrap().to_string(), figure(c, "orders")))
        .collect();
    let wanted: Vec<(String, usize)> = (channels.iter().zip(&by_channel)).map(|(c, n)| (c.to_string(), *n)).collect();
    assert_eq!(listed, wanted);
    let sessions: Vec<usize> = (report.get("channels").and_then(shopcue::json::Value::as_array).unwrap().iter())
        .map(|c| figure(c, "sessions"))
        .collect();
    assert_eq!(sessions.iter().sum::<usize>(), on_pg.sessions, "{sessions:?}");
    // The simulation's newsletter visits bounce least and its Instagram ad's most: their
    // conversion rates come back apart through the pipeline (400 shoppers: with 150, a change
    // of the simulation's draws once left them 1.27× apart; seeds 7–10 give 2.1–2.6×).
    let rate = |c: &str| {
        let i = channels.iter().position(|x| *x == c).unwrap();
        by_channel[i] as f64 / sessions[i] as f64
    };
    println!("conversion rate: email {:.3}, paid social {:.3}", rate("email"), rate("paid_social"));
    assert!(rate("email") > 1.5 * rate("paid_social"), "email {} paid social {}", rate("email"), rate("paid_social"));
    for (c, n) in channels.iter().zip(&sessions) {
        let r = shopcue::json::parse(&request(&pg_addr, "GET", &format!("/report?{span}&channel={c}"), "", b"").2).unwrap();
        assert_eq!(figure(&r, "sessions"), *n, "{c}");
    }
    // The partial days at a period's ends are read visit by visit: a period starting mid-day
    // and ending mid-day counts what the days it holds in full count, and the parts of the two
    // days at its ends, adding up to the whole.
    let part = |from: i64, to: i64| {
        let r =
            shopcue::json::parse(&request(&pg_addr, "GET", &format!("/report?site=demo-store&from={from}&to={to}"), "", b"").2);
        figure(&r.unwrap(), "sessions")
    };
    let cut = end - 25 * DAY - DAY / 3;
    assert_eq!(part(end - 60 * DAY, cut) + part(cut, end), on_pg.sessions);
    assert!(part(cut, cut + DAY / 2) > 0 && part(cut, cut + DAY / 2) < part(cut, cut + 2 * DAY));
    let desktop = shopcue::json::parse(&request(&pg_addr, "GET", &paths[8], "", b"").2).unwrap();
    assert!(customers(&desktop) > 0.0 && customers(&desktop) < customers(&rf), "{}", desktop.to_json());
}

#[test]
fn three_collectors_writing_the_same_visits_at_once_count_each_visit_once_as_a_rebuild_does() {
    let (pg, store, collectors) = three_collectors();
    // 60 visits of 8 events each, an hour apart around midnight UTC (so that a visit's earliest
    // event, arriving late, moves it to the day before), from a phone or a desktop. The events
    // are dealt out of order into batches of four, each batch to one of the collectors, twelve
    // at once: one visit's events reach the three collectors together.
    let midnight = t0().div_euclid(DAY) * DAY;
    let mut events = Vec::new();
    for v in 0..60 {
        for k in 0..8i64 {
            let ev = common::ev(&format!("v{v}-{k}"), "page_view", &format!("v{v}"), midnight + (k - 4) * 3_600_000, "{}");
            events.push(ev.replace(r#""session_id":"s""#, &format!(r#""session_id":"visit-{v}""#)));
        }
    }
    let phone = "User-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148\r\n";
    send_shuffled(&collectors, events, 11, 4, 12, phone);
    let visits = |url: &str| {
        let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
        let rows = c
            .query(
                "SELECT site, day, segment, sessions FROM session_daily WHERE sessions <> 0 ORDER BY site, day, segment COLLATE \"C\"",
                &[],
            )
            .unwrap();
        rows.iter()
            .map(|r| (r.get::<_, String>(0), r.get::<_, i64>(1), r.get::<_, String>(2), r.get::<_, i64>(3)))
            .collect::<Vec<_>>()
    };
    let incremental = visits(&pg.url);
    assert_eq!(incremental.iter().map(|r| r.3).sum::<i64>(), 60, "{incremental:?}");
    assert!(incremental.iter().all(|r| r.3 > 0), "{incremental:?}");
    let first_day = midnight.div_euclid(DAY) - 1;
    assert!(incremental.iter().all(|r| r.1 == first_day), "every visit began the day before: {incremental:?}");
    store.rebuild_rollups().unwrap();
    assert_eq!(visits(&pg.url), incremental);
}

#[test]
fn three_collectors_writing_one_visitors_exposures_at_once_keep_the_cohorts_a_rebuild_gives() {
    let (pg, store, collectors) = three_collectors();
    // 40 visitors, each exposed to one scenario six times over two days and buying twice, and
    // 40 more whose scenario's goal is a sign-up, which they reach at the end (having bought
    // early, which is not that goal); their
    // events dealt out of order into batches of three, each to one of the three collectors,
    // 24 batches at once: one visitor's exposures and goal events are written together.
    // 40 more have a page as their goal, an order's thank-you page, which they view at the end
    // (having viewed their order's own page early, which does not match).
    let mut events = Vec::new();
    for v in 0..120 {
        for k in 0..8i64 {
            let (name, params) = match (v / 40, k % 4, k) {
                (0, 3, _) => ("purchase", "{}"),
                (0, ..) => ("shopcue_exposure", r#"{"scenario_id":"s","variant":"a"}"#),
                (1, _, 7) => ("sign_up", "{}"),
                (1, _, 1) => ("purchase", "{}"),
                (1, ..) => ("shopcue_exposure", r#"{"scenario_id":"t","variant":"a","goal":"sign_up"}"#),
                (_, _, 1 | 7) => ("page_view", "{}"),
                _ => ("shopcue_exposure", r#"{"scenario_id":"u","variant":"a","goal":"/orders/*/thanks"}"#),
            };
            let url =
                if k == 7 { format!("https://s.example/orders/{v}/thanks/") } else { format!("https://s.example/orders/{v}") };
            events.push(common::ev_at(&url, &format!("v{v}-{k}"), name, &format!("v{v}"), t0() + k * 7 * 3_600_000, params));
        }
    }
    send_shuffled(&collectors, events, 5, 3, 24, "");
    let cohorts = |url: &str| {
        let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
        let exposed =
            c.query("SELECT day, sum(exposed)::int8 FROM exposure_daily GROUP BY day HAVING sum(exposed) <> 0 ORDER BY day", &[]);
        let converted = c.query(
            "SELECT day, delay_days, sum(visitors)::int8 FROM conversion_daily GROUP BY 1, 2 HAVING sum(visitors) <> 0 ORDER BY 1, 2",
            &[],
        );
        let exposed: Vec<(i64, i64)> = exposed.unwrap().iter().map(|r| (r.get(0), r.get(1))).collect();
        let converted: Vec<(i64, i64, i64)> = converted.unwrap().iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
        (exposed, converted)
    };
    let incremental = cohorts(&pg.url);
    assert_eq!(incremental.0.iter().map(|d| d.1).sum::<i64>(), 120, "each visitor first exposed once: {incremental:?}");
    assert_eq!(incremental.0, vec![(t0().div_euclid(DAY), 120)], "at their first exposure, on t0's day");
    // Every visitor converted: s's by the purchase 21 h after their first exposure (a delay of
    // one day), t's by the sign-up 49 h after (three days), not by their purchase at 7 h, and
    // u's by the thank-you page 49 h after, not by their order's page at 7 h.
    assert_eq!(incremental.1, vec![(t0().div_euclid(DAY), 1, 40), (t0().div_euclid(DAY), 3, 80)], "{incremental:?}");
    store.rebuild_rollups().unwrap();
    assert_eq!(cohorts(&pg.url), incremental);
}

#[test]
fn postgresqls_page_goal_function_answers_as_the_collectors_rust_does() {
    use shopcue_collector::goal::page_matches;
    let pg = Postgres::start();
    PgStore::open(&pg.url).unwrap();
    let hosts = ["https://s.example", "http://localhost:8080", "", "HTTPS://S.example"];
    let paths = [
        "",
        "/",
        "/a",
        "/a/",
        "/a//",
        "/A",
        "/a_b",
        "/axb",
        "/a%25b",
        "/a%b",
        "/a\\b",
        "/a/b/c",
        "/abcbc",
        "/orders/1/thanks",
        "/orders/1/thanks/x",
        "/orders/thanks",
        "/%E3%81%8A",
    ];
    let ends = ["", "?q=1", "#f", "/?x=/y#z"];
    let goals = [
        "/a",
        "/a/*",
        "/*/thanks",
        "/a_b",
        "/a%25b",
        "/orders/*/thanks",
        "/a*c",
        "/A",
        "/a/b/c",
        "/*b*",
        "/a*bc",
        "/a\\b",
        "/%E3%81%8A",
        "/*",
        "/orders/*",
    ];
    let mut cases = Vec::new();
    for host in hosts {
        for path in paths {
            for end in ends {
                for goal in goals {
                    cases.push((format!("{host}{path}{end}"), goal.to_string()));
                }
            }
        }
    }
    let (urls, gs): (Vec<String>, Vec<String>) = cases.iter().cloned().unzip();
    let mut c = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
    let rows = c
        .query(
            "SELECT shopcue_page_matches(u, g) FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(u, g, n) ORDER BY n",
            &[&urls, &gs],
        )
        .unwrap();
    assert_eq!(rows.len(), cases.len());
    let mut matched = 0;
    for ((url, goal), row) in cases.iter().zip(&rows) {
        let in_sql: bool = row.get(0);
        assert_eq!(in_sql, page_matches(url, goal), "{url} {goal}");
        matched += usize::from(in_sql);
    }
    assert!(matched > 100 && matched < cases.len() / 2, "{matched} of {}", cases.len());
}

#[test]
fn a_database_written_before_goals_gets_its_cohorts_rebuilt_with_them() {
    let pg = Postgres::start();
    let collector = start_with(Arc::new(PgStore::open(&pg.url).unwrap()));
    let news = r#"{"scenario_id":"news","goal":"sign_up"}"#;
    let events = [
        common::ev("1", "shopcue_exposure", "a", t0(), news),
        common::ev("2", "shopcue_exposure", "b", t0(), r#"{"scenario_id":"sale"}"#),
        common::ev("3", "sign_up", "a", t0() + 60_000, "{}"),
    ];
    let body = format!(r#"{{"site":"demo","events":[{}]}}"#, events.join(","));
    assert_eq!(request(&collector, "POST", "/collect", "", body.as_bytes()).0, 200);
    let converted = "SELECT count(*) FROM exposures WHERE goal = 'sign_up' AND converted_ts IS NOT NULL";
    assert_eq!(count(&pg.url, converted), 1);
    let mut c = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
    c.batch_execute("ALTER TABLE exposures DROP COLUMN goal").unwrap();
    // Opened again: the cohorts are dropped and rebuilt, goals read from the exposures' JSON.
    let _reopened = PgStore::open(&pg.url).unwrap();
    assert_eq!(count(&pg.url, converted), 1);
    assert_eq!(count(&pg.url, "SELECT count(*) FROM exposures WHERE goal = 'purchase'"), 1, "the sale's, named by no goal");
}

#[test]
fn a_goal_event_written_while_another_collector_writes_the_visitors_first_exposure_still_converts() {
    use shopcue_collector::store::{EventStore, Incoming};
    let pg = Postgres::start();
    let store = Arc::new(PgStore::open(&pg.url).unwrap());
    // Another collector, part way through its write: it has locked the visitor (as every
    // collector's write does), stored their first exposure to a scenario whose goal is a
    // sign-up, found no sign-up to convert them (none was committed), and not committed yet.
    let mut other = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
    let mut tx = other.transaction().unwrap();
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&shopcue_collector::pg::visitor_lock_key("demo", "v")]).unwrap();
    tx.execute(
        "INSERT INTO exposures (site, scenario_id, variant, visitor_id, first_ts, segment, goal)
         VALUES ('demo', 'news', '', 'v', $1, 'unknown:unknown', 'sign_up')",
        &[&t0()],
    )
    .unwrap();
    // This collector writes the visitor's sign-up meanwhile.
    let body = format!(r#"{{"site":"demo","events":[{}]}}"#, common::ev("s1", "sign_up", "v", t0() + 60_000, "{}"));
    let events = shopcue_collector::batch::decode(&body, t0() + 60_000).unwrap().events;
    let writer = {
        let store = store.clone();
        std::thread::spawn(move || store.write(&[Incoming { events, received_at: t0() + 60_000 }]))
    };
    std::thread::sleep(std::time::Duration::from_millis(500));
    tx.commit().unwrap();
    writer.join().unwrap().unwrap();
    // The sign-up's write waited for the other one, then saw the exposure it converts.
    assert_eq!(count(&pg.url, "SELECT count(*) FROM exposures WHERE converted_ts IS NOT NULL"), 1);
}
