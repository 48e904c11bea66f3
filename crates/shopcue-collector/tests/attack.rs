//! The collector as an attacker meets it, over real HTTP on loopback with a real SQLite file:
//! bodies built to burn CPU, reports that would stall ingestion, ids squatted across sites,
//! absurd times and numbers, rate-limit dodges, CSV formulas, analytics without a credential.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{now_ms, request, temp_dir};
use shopcue_collector::sqlite::SqliteStore;
use shopcue_collector::App;

/// A collector over a fresh SQLite file, with `configure` applied to its app.
fn start(configure: impl FnOnce(&mut App)) -> (String, std::path::PathBuf, common::TempDir) {
    let dir = temp_dir("collector-attack");
    let db = dir.0.join("events.sqlite");
    let mut app = App::new(Arc::new(SqliteStore::open(&db).unwrap()), Vec::new(), Vec::new());
    configure(&mut app);
    (common::serve(app), db, dir)
}

fn event(id: &str, ts: &str, params: &str) -> String {
    format!(r#"{{"id":"{id}","name":"view_item","ts":{ts},"visitor_id":"v","session_id":"s","url":"/","params":{params}}}"#)
}

fn batch(site: &str, events: &[String]) -> String {
    format!(r#"{{"v":1,"site":"{site}","events":[{}]}}"#, events.join(","))
}

fn count(db: &std::path::Path, sql: &str) -> i64 {
    rusqlite::Connection::open(db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_body_of_many_keys_is_answered_in_milliseconds_not_minutes() {
    let (addr, _db, _dir) = start(|_| {});
    // 1 MiB: one event whose params hold about 70,000 keys (the quadratic key check took 10 s).
    let mut params = String::from("{");
    let mut i = 0;
    while params.len() < 1024 * 1024 - 300 {
        params.push_str(&format!("\"k{i:07}\":1,"));
        i += 1;
    }
    params.pop();
    params.push('}');
    let body = batch("demo", &[event("many", &now_ms().to_string(), &params)]);
    assert!(body.len() <= 1024 * 1024);
    let t0 = Instant::now();
    let (status, _, reply) = request(&addr, "POST", "/collect", "", body.as_bytes());
    let took = t0.elapsed();
    println!("1 MiB body of {i} keys: {status} in {took:?}");
    assert_eq!(status, 200, "{reply}");
    assert!(took < Duration::from_secs(2), "a generous bound for a debug build: {took:?}");
}

#[test]
fn healthz_answers_while_the_cpu_chews_on_big_bodies() {
    let (addr, _db, _dir) = start(|app| app.limiter = Arc::new(shopcue_collector::limit::RateLimiter::new(1000.0, 1000.0)));
    // Deeply repetitive 1 MiB bodies from four clients at once, over and over.
    let body = format!("{{\"site\":\"x\",\"events\":[{}]}}", vec!["[[[[[[[[1]]]]]]]]"; 55_000].join(","));
    assert!(body.len() <= 1024 * 1024);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flooders: Vec<_> = (0..4)
        .map(|_| {
            let (addr, body, stop) = (addr.clone(), body.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    request(&addr, "POST", "/collect", "", body.as_bytes());
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut worst = Duration::ZERO;
    for _ in 0..10 {
        let t0 = Instant::now();
        assert_eq!(request(&addr, "GET", "/healthz", "", b"").0, 200);
        worst = worst.max(t0.elapsed());
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    flooders.into_iter().for_each(|f| f.join().unwrap());
    println!("/healthz under four clients sending 1 MiB bodies: worst {worst:?}");
    assert!(worst < Duration::from_secs(1), "{worst:?}");
}

#[test]
fn reports_read_beside_ingestion_and_never_hold_up_healthz() {
    let dir = temp_dir("collector-report-load");
    let db = dir.0.join("events.sqlite");
    let store = SqliteStore::open(&db).unwrap();
    // 200,000 exposures and purchases on one site, written straight into the store.
    let t0 = now_ms() - 5 * common::DAY;
    let batches: Vec<_> = (0..200)
        .map(|b| shopcue_collector::store::Incoming {
            events: shopcue_collector::batch::decode(
                &batch(
                    "big",
                    &(0..1000)
                        .map(|i| {
                            let n = b * 1000 + i;
                            let name = if n % 4 == 0 { "purchase" } else { "shopcue_exposure" };
                            common::ev(
                                &format!("e{n}"),
                                name,
                                &format!("v{}", n % 20_000),
                                t0 + n,
                                r#"{"scenario_id":"s","variant":"a"}"#,
                            )
                        })
                        .collect::<Vec<_>>(),
                ),
                now_ms(),
            )
            .unwrap()
            .events,
            received_at: now_ms(),
        })
        .collect();
    let t = Instant::now();
    shopcue_collector::store::EventStore::write(&store, &batches).unwrap();
    println!("200,000 events written in one group: {:?}", t.elapsed());
    let addr = common::serve(App::new(Arc::new(store), Vec::new(), Vec::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..6)
        .map(|_| {
            let (addr, stop) = (addr.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    assert_eq!(request(&addr, "GET", "/report?site=big", "", b"").0, 200);
                    n += 1;
                }
                n
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let (mut health, mut collect) = (Duration::ZERO, Duration::ZERO);
    for i in 0..10 {
        let t = Instant::now();
        assert_eq!(request(&addr, "GET", "/healthz", "", b"").0, 200);
        health = health.max(t.elapsed());
        let t = Instant::now();
        let body = batch("big", &[event(&format!("during{i}"), &now_ms().to_string(), "{}")]);
        assert_eq!(request(&addr, "POST", "/collect", "", body.as_bytes()).0, 200);
        collect = collect.max(t.elapsed());
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let reports: usize = readers.into_iter().map(|r| r.join().unwrap()).sum();
    println!("6 clients looping /report on 200,000 events ({reports} reports): worst /healthz {health:?}, /collect {collect:?}");
    assert!(reports > 0);
    assert!(health < Duration::from_secs(1), "/healthz waited {health:?}");
    assert!(collect < Duration::from_secs(1), "/collect waited {collect:?}");
    assert_eq!(count(&db, "SELECT count(*) FROM events WHERE id LIKE 'during%'"), 10);
}

#[test]
fn an_event_id_is_unique_per_site_not_across_sites() {
    let (addr, db, _dir) = start(|_| {});
    let now = now_ms().to_string();
    let squat = batch("attacker", &[event("victim-id", &now, "{}")]);
    assert!(request(&addr, "POST", "/collect", "", squat.as_bytes()).2.contains(r#""accepted":1"#));
    let real = batch("victim", &[event("victim-id", &now, "{}")]);
    let (_, _, reply) = request(&addr, "POST", "/collect", "", real.as_bytes());
    assert!(reply.contains(r#""accepted":1"#), "the victim's event is stored: {reply}");
    assert!(request(&addr, "POST", "/collect", "", real.as_bytes()).2.contains(r#""duplicates":1"#), "a resend is a duplicate");
    assert_eq!(count(&db, "SELECT count(*) FROM events WHERE id = 'victim-id'"), 2);
}

#[test]
fn an_old_database_keyed_by_id_alone_is_migrated_and_keeps_its_events() {
    let dir = temp_dir("collector-migrate");
    let db = dir.0.join("old.sqlite");
    rusqlite::Connection::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TABLE events (id TEXT PRIMARY KEY, site TEXT NOT NULL, name TEXT NOT NULL, ts INTEGER NOT NULL,
               visitor_id TEXT NOT NULL, session_id TEXT NOT NULL, url TEXT NOT NULL, scenario_id TEXT, variant TEXT,
               json TEXT NOT NULL, received_at INTEGER NOT NULL) WITHOUT ROWID;
             INSERT INTO events VALUES ('shared', 'a', 'view_item', 1, 'v', 's', '/', NULL, NULL, '{}', 1);",
        )
        .unwrap();
    // What it held before rollups existed: an exposure, an impression and a purchase two days on.
    let t = now_ms() - 5 * common::DAY;
    let old = rusqlite::Connection::open(&db).unwrap();
    for (id, name, ts, sc) in [
        ("x", "shopcue_exposure", t, "'s'"),
        ("i", "shopcue_impression", t, "'s'"),
        ("p", "purchase", t + 2 * common::DAY, "NULL"),
    ] {
        let variant = if sc == "NULL" { "NULL" } else { "'a'" };
        old.execute_batch(&format!(
            "INSERT INTO events VALUES ('{id}', 'b', '{name}', {ts}, 'v', 's', '/', {sc}, {variant}, '{{}}', {ts})"
        ))
        .unwrap();
    }
    drop(old);
    let addr = common::serve(App::new(Arc::new(SqliteStore::open(&db).unwrap()), Vec::new(), Vec::new()));
    let body = batch("b", &[event("shared", &now_ms().to_string(), "{}")]);
    assert!(request(&addr, "POST", "/collect", "", body.as_bytes()).2.contains(r#""accepted":1"#));
    assert_eq!(count(&db, "SELECT count(*) FROM events WHERE id = 'shared'"), 2);
    assert_eq!(count(&db, "SELECT count(*) FROM pragma_table_info('events') WHERE pk > 0"), 2);
    // The rollups were built from the old events: the report counts them.
    let (status, _, report) = request(&addr, "GET", "/report?site=b", "", b"");
    assert_eq!(status, 200, "{report}");
    assert!(
        report.contains(r#""variant":"a","exposed":1,"impressions":1,"clicks":0,"dismissals":0,"conversions":1"#),
        "{report}"
    );
}

#[test]
fn a_database_written_before_segments_gets_them_and_its_rollups_rebuilt() {
    let dir = temp_dir("collector-segments");
    let db = dir.0.join("old.sqlite");
    rusqlite::Connection::open(&db).unwrap().execute_batch(&common::before_segments(now_ms() - 5 * common::DAY)).unwrap();
    let addr = common::serve(App::new(Arc::new(SqliteStore::open(&db).unwrap()), Vec::new(), Vec::new()));
    assert_eq!(count(&db, "SELECT count(*) FROM events WHERE segment = 'unknown:unknown'"), 3);
    let report = |filter: &str| request(&addr, "GET", &format!("/report?site=b{filter}"), "", b"").2;
    assert!(report("").contains(common::BEFORE_SEGMENTS_ROW), "{}", report(""));
    assert!(report("&device=unknown&visitor=unknown").contains(common::BEFORE_SEGMENTS_ROW));
    assert!(report("&device=mobile").contains(r#""scenarios":[]"#), "{}", report("&device=mobile"));
    // New events arrive with their segments.
    let phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
    let ev = common::ev("n", "shopcue_exposure", "w", now_ms(), r#"{"scenario_id":"s","variant":"a"}"#)
        .replace(r#""url":"#, r#""session_number":1,"url":"#);
    let (status, _, reply) =
        request(&addr, "POST", "/collect", &format!("User-Agent: {phone}\r\n"), batch("b", &[ev]).as_bytes());
    assert_eq!(status, 200, "{reply}");
    assert!(report("&device=mobile&visitor=new").contains(r#""variant":"a","exposed":1,"impressions":0"#));
    assert!(report("").contains(r#""variant":"a","exposed":2"#));
}

#[test]
fn absurd_times_and_numbers_cost_one_event_and_reports_stay_200() {
    let (addr, db, _dir) = start(|_| {});
    let now = now_ms();
    let events = [
        event("future", "1e300", "{}"),
        event("huge-number", &now.to_string(), r#"{"price":1e999}"#),
        event("fine", &now.to_string(), r#"{"price":12}"#),
        event("year-off", &(now - 400 * common::DAY).to_string(), "{}"),
    ];
    let (status, _, reply) = request(&addr, "POST", "/collect", "", batch("demo", &events).as_bytes());
    assert_eq!(status, 200, "{reply}");
    assert!(reply.contains(r#""accepted":2"#), "{reply}");
    assert!(reply.contains(r#"{"index":0,"reason":"ts must be Unix milliseconds"}"#), "{reply}");
    assert!(reply.contains(r#"{"index":1,"reason":"a number is out of range (beyond ±1.8e308)"}"#), "{reply}");
    // The device a year off is reported at receipt; what it sent is kept.
    assert_eq!(count(&db, "SELECT count(*) FROM events WHERE id = 'year-off' AND abs(ts - received_at) < 60000"), 1);
    for path in ["/report?site=demo&from=0&to=10000000000000", "/report?site=demo&from=2020-01-01"] {
        assert_eq!(request(&addr, "GET", path, "", b"").0, 200, "{path}");
    }
    for path in [
        "/report?site=demo&from=1e300",
        "/report?site=demo&to=99999999999999999",
        "/report?site=demo&from=-5",
        "/report?site=de%00mo",
        "/report?site=demo&attribution_days=1e999",
    ] {
        let (status, _, reply) = request(&addr, "GET", path, "", b"");
        assert_eq!(status, 400, "{path}: {reply}");
    }
}

#[test]
fn every_request_counts_against_its_address_whatever_the_site_and_validity() {
    let (addr, db, _dir) = start(|app| app.limiter = Arc::new(shopcue_collector::limit::RateLimiter::new(1.0, 20.0)));
    let now = now_ms().to_string();
    let mut statuses = Vec::new();
    for i in 0..30 {
        // A new site each time, and every third request invalid.
        let body =
            if i % 3 == 2 { "{bad".to_string() } else { batch(&format!("site{i}"), &[event(&format!("r{i}"), &now, "{}")]) };
        statuses.push(request(&addr, "POST", "/collect", "", body.as_bytes()).0);
    }
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!((9..=11).contains(&limited), "a burst of 20, then 429 whatever the site: {statuses:?}");
    assert_eq!(count(&db, "SELECT count(*) FROM events"), statuses.iter().filter(|s| **s == 200).count() as i64);
}

#[test]
fn a_site_has_a_budget_of_its_own_across_addresses() {
    let (addr, _db, _dir) = start(|app| {
        app.site_limiter = Arc::new(shopcue_collector::limit::RateLimiter::new(1.0, 5.0));
        app.trusted_proxies = Arc::new(vec!["127.0.0.1".parse().unwrap()]);
    });
    let now = now_ms().to_string();
    let statuses: Vec<u16> = (0..8)
        .map(|i| {
            let body = batch("popular", &[event(&format!("p{i}"), &now, "{}")]);
            let from = format!("X-Forwarded-For: 198.51.100.{i}\r\n");
            request(&addr, "POST", "/collect", &from, body.as_bytes()).0
        })
        .collect();
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    let other = batch("quiet", &[event("q", &now, "{}")]);
    assert_eq!(request(&addr, "POST", "/collect", "", other.as_bytes()).0, 200, "another site is not affected");
}

#[test]
fn behind_a_trusted_proxy_each_shopper_has_a_bucket_and_a_spoofed_header_changes_nothing() {
    let now = now_ms().to_string();
    let send = |addr: &str, i: usize, forwarded: &str| {
        let body = batch("demo", &[event(&format!("x{i}"), &now, "{}")]);
        request(addr, "POST", "/collect", &format!("X-Forwarded-For: {forwarded}\r\n"), body.as_bytes()).0
    };
    let tight = |app: &mut App| app.limiter = Arc::new(shopcue_collector::limit::RateLimiter::new(1.0, 3.0));
    // Trusted: the flooder (203.0.113.1) is limited, a real shopper behind the same proxy is not.
    let (addr, _db, _dir) = start(|app| {
        tight(app);
        app.trusted_proxies = Arc::new(vec!["127.0.0.1".parse().unwrap()]);
    });
    let flood: Vec<u16> = (0..6).map(|i| send(&addr, i, "203.0.113.1")).collect();
    assert_eq!(flood, [200, 200, 200, 429, 429, 429]);
    assert_eq!(send(&addr, 10, "198.51.100.7"), 200, "another shopper behind the proxy");
    // The client's own claim left of the proxy's entry is not believed: the proxy saw 203.0.113.1.
    assert_eq!(send(&addr, 11, "198.51.100.99, 203.0.113.1"), 429);
    // Not trusted (the default): the header is ignored and the connection's address counts.
    let (addr, _db, _dir) = start(tight);
    let spoofed: Vec<u16> = (0..5).map(|i| send(&addr, i, &format!("198.51.100.{i}"))).collect();
    assert_eq!(spoofed, [200, 200, 200, 429, 429]);
}

#[test]
fn analytics_need_the_admin_token_when_one_is_set() {
    let token = "a-long-admin-token-0123456789";
    let (addr, _db, _dir) = start(|app| app.admin_token = Some(Arc::new(token.to_string())));
    let (status, head, reply) = request(&addr, "GET", "/report?site=demo", "", b"");
    assert_eq!(status, 401, "{reply}");
    assert!(head.to_ascii_lowercase().contains("www-authenticate: basic realm=\"shopcue analytics\""), "{head}");
    assert_eq!(request(&addr, "GET", "/dashboard", "", b"").0, 401);
    assert_eq!(request(&addr, "GET", "/report?site=demo", "Authorization: Bearer wrong-token-0123456789\r\n", b"").0, 401);
    let bearer = format!("Authorization: Bearer {token}\r\n");
    assert_eq!(request(&addr, "GET", "/report?site=demo", &bearer, b"").0, 200);
    // What a browser sends once the marketer typed the token as the password.
    let basic = "Authorization: Basic bWFya2V0ZXI6YS1sb25nLWFkbWluLXRva2VuLTAxMjM0NTY3ODk=\r\n";
    assert_eq!(request(&addr, "GET", "/dashboard", basic, b"").0, 200);
    // Collection stays open to every shopper.
    let body = batch("demo", &[event("open", &now_ms().to_string(), "{}")]);
    assert_eq!(request(&addr, "POST", "/collect", "", body.as_bytes()).0, 200);
}

#[test]
fn without_a_token_analytics_answer_on_this_machine_only_and_not_through_a_proxy() {
    let (addr, _db, _dir) = start(|_| {});
    assert_eq!(request(&addr, "GET", "/report?site=demo", "", b"").0, 200, "loopback, no proxy");
    let proxied = "X-Forwarded-For: 203.0.113.5\r\n";
    let (status, _, reply) = request(&addr, "GET", "/report?site=demo", proxied, b"");
    assert_eq!(status, 401, "{reply}");
    assert!(reply.contains("SHOPCUE_ADMIN_TOKEN"), "{reply}");
    assert_eq!(request(&addr, "GET", "/dashboard", proxied, b"").0, 401);
}

#[test]
fn static_files_stay_inside_their_root_and_carry_security_headers() {
    let dir = temp_dir("collector-statics");
    let www = dir.0.join("www");
    std::fs::create_dir_all(&www).unwrap();
    std::fs::write(www.join("リネン.html"), "<p>linen</p>").unwrap();
    std::fs::write(dir.0.join("outside.txt"), "secret").unwrap();
    std::os::unix::fs::symlink(dir.0.join("outside.txt"), www.join("link.txt")).unwrap();
    std::os::unix::fs::symlink(&dir.0, www.join("up")).unwrap();
    let db = dir.0.join("events.sqlite");
    let addr = common::serve(App::new(Arc::new(SqliteStore::open(&db).unwrap()), vec![www], Vec::new()));
    // Percent-encoded names are decoded; encoded dots are dots and refused.
    let (status, head, body) = request(&addr, "GET", "/%E3%83%AA%E3%83%8D%E3%83%B3.html", "", b"");
    assert_eq!((status, body.as_str()), (200, "<p>linen</p>"));
    let head = head.to_ascii_lowercase();
    assert!(head.contains("x-content-type-options: nosniff") && head.contains("x-frame-options: sameorigin"), "{head}");
    assert_eq!(request(&addr, "GET", "/%2e%2e/outside.txt", "", b"").0 / 100, 4);
    // Symlinks that lead out of the root are not followed.
    assert_eq!(request(&addr, "GET", "/link.txt", "", b"").0, 404);
    assert_eq!(request(&addr, "GET", "/up/outside.txt", "", b"").0, 404);
    // The collector's own replies and dashboard: not sniffed, not framed, nothing loaded.
    let (_, head, _) = request(&addr, "GET", "/report?site=demo", "", b"");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("x-frame-options: deny") && head.contains("content-security-policy: default-src 'none'"), "{head}");
    let (status, head, _) = request(&addr, "GET", "/dashboard", "", b"");
    let head = head.to_ascii_lowercase();
    assert_eq!(status, 200);
    assert!(head.contains("frame-ancestors 'none'") && head.contains("x-content-type-options: nosniff"), "{head}");
    assert!(!head.contains("x-shopcue-own-page"), "{head}");
    // Their scripts: the page's own inline one, named by its hash, and nothing else.
    for page in ["/dashboard", "/studio"] {
        use sha2::Digest;
        let (_, head, body) = request(&addr, "GET", page, "", b"");
        let policy = head.lines().find_map(|l| l.strip_prefix("content-security-policy: ")).unwrap_or_else(|| panic!("{head}"));
        let scripts = policy.split("; ").find_map(|d| d.strip_prefix("script-src ")).unwrap_or_else(|| panic!("{policy}"));
        let inline = body.split_once("<script>").and_then(|(_, rest)| rest.split_once("</script>")).unwrap().0;
        let hash = shopcue_collector::auth::base64_encode(&sha2::Sha256::digest(inline.as_bytes()));
        assert!(scripts.split(' ').any(|s| s == format!("'sha256-{hash}'")), "{page}: {scripts}");
        assert!(scripts.split(' ').all(|s| s.starts_with("'sha256-")), "{page}: only hashes: {scripts}");
        assert!(policy.contains("require-trusted-types-for 'script'; trusted-types 'none'"), "{policy}");
    }
}

#[test]
fn big_files_stream_and_a_client_that_stops_reading_is_cut_off() {
    use std::io::{Read, Write};
    let dir = temp_dir("collector-stream");
    let www = dir.0.join("www");
    std::fs::create_dir_all(&www).unwrap();
    let size = 64 * 1024 * 1024;
    std::fs::write(www.join("big.bin"), vec![7u8; size]).unwrap();
    let db = dir.0.join("events.sqlite");
    let mut app = App::new(Arc::new(SqliteStore::open(&db).unwrap()), vec![www], Vec::new());
    app.write_timeout = Duration::from_millis(500);
    let addr = common::serve(app);
    // A reader that reads: the whole file, with its length announced.
    let (status, head, _) = request(&addr, "HEAD", "/big.bin", "", b"");
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains(&format!("content-length: {size}")), "{head}");
    // A reader that stops reading: after the write timeout the server closes the connection
    // (the client then sees the end of what was buffered, not a connection held forever).
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    s.write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(2000));
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let t0 = Instant::now();
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    println!("a stalled reader got {got} of {size} bytes before the server closed ({:?} after it read again)", t0.elapsed());
    assert!(got < size, "the server gave up on the stalled reader: {got} bytes");
    assert!(t0.elapsed() < Duration::from_secs(9), "closed, not timed out on our side");
}

#[test]
fn at_the_connection_cap_new_connections_wait_their_turn() {
    let dir = temp_dir("collector-cap");
    let db = dir.0.join("events.sqlite");
    let mut app = App::new(Arc::new(SqliteStore::open(&db).unwrap()), Vec::new(), Vec::new());
    app.max_connections = 3;
    let addr = common::serve(app);
    let idle: Vec<_> = (0..3).map(|_| std::net::TcpStream::connect(&addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(200)); // the server has taken all three
    let (tx, rx) = std::sync::mpsc::channel();
    let a = addr.clone();
    std::thread::spawn(move || tx.send(request(&a, "GET", "/healthz", "", b"").0).unwrap());
    assert!(rx.recv_timeout(Duration::from_millis(500)).is_err(), "no fourth connection is served while three are held");
    drop(idle);
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), 200, "served once a slot is free");
}

#[test]
#[allow(clippy::unnecessary_cast)] // rlim_t is u64 on Linux, not on every Unix
fn the_open_file_limit_is_raised_to_what_the_system_allows() {
    let before = {
        let mut l = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit writes the struct passed to it.
        assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) }, 0);
        l
    };
    let now = shopcue_collector::raise_fd_limit();
    assert_eq!(now, before.rlim_max as u64, "soft limit raised to the hard one ({} before)", before.rlim_cur);
}

#[test]
fn incremental_rollups_agree_with_a_rebuild_from_the_events() {
    const TRAFFIC: [&str; 3] = ["google\\norganic\\n", "instagram\\npaid_social\\nfw26", "(direct)\\n(none)\\n"];
    use shopcue_collector::segment::{Device, Filter};
    use shopcue_collector::store::{EventStore, Incoming, ReportQuery};
    let dir = temp_dir("collector-rollups");
    let store = SqliteStore::open(&dir.0.join("events.sqlite")).unwrap();
    // Fixed at 20:00 UTC, 20 days ago, whatever the time of the run: at that hour a one-day
    // window touches two UTC days, one of which holds a variant's impressions on a device that
    // holds none of its first exposures (before the reports kept such rows, this test failed
    // from about 19:30 to midnight UTC, and passed the rest of the day).
    let t0 = now_ms().div_euclid(common::DAY) * common::DAY - 20 * common::DAY + 20 * 3_600_000;
    // A small deterministic shuffle of exposures, purchases and lifecycle events over 12 days,
    // arriving out of order, in groups, with every fifth event resent in a later group.
    let mut seed = 7u64;
    let mut next = move |n: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let mut all = Vec::new();
    // (name, scenario and variant of an exposure, visitor, ts, the exposure's goal, whether a
    // page view is an order's thank-you page).
    let mut facts = Vec::new();
    for i in 0..3000 {
        let (name, params) = match next(7) {
            0 | 1 => ("shopcue_exposure", r#"{"scenario_id":"SC","variant":"VAR"GOAL}"#),
            2 => ("purchase", "{}"),
            3 => ("shopcue_impression", r#"{"scenario_id":"SC","variant":"VAR"}"#),
            4 => ("shopcue_click", r#"{"scenario_id":"SC","variant":"VAR"}"#),
            5 => ("shopcue_dismiss", r#"{"scenario_id":"SC","variant":"VAR"}"#),
            _ => (["sign_up", "page_view", "view_item"][next(3) as usize], "{}"),
        };
        // s2's goal is a sign-up, but for every fifth visitor (their exposures name no goal, as
        // a widget's before the goal was set): they convert by a purchase. s1's is a purchase,
        // but for every third visitor it is a page: an order's thank-you page.
        let (scenario, variant, visitor) = (["s1", "s2"][next(2) as usize], ["a", "holdout"][next(2) as usize], next(150));
        let goal = match scenario {
            "s2" if visitor % 5 > 0 => Some("sign_up"),
            "s1" if visitor % 3 == 0 => Some("/orders/*/thanks"),
            _ => None,
        };
        let params = params.replace("SC", scenario).replace("VAR", variant);
        let params = params.replace("GOAL", &goal.map_or(String::new(), |g| format!(r#","goal":"{g}""#)));
        let ts = t0 + (next(12 * 24) as i64) * 3_600_000;
        let is_lifecycle = name.starts_with("shopcue_");
        // A page view is a thank-you page, the order's own page (which does not match), or
        // the home page; a slash at the end or a query makes no difference.
        let (url, thanks) = match (name, next(4)) {
            ("page_view", 0) => (format!("https://shop.example/orders/{i}/thanks"), true),
            ("page_view", 1) => (format!("https://shop.example/orders/{i}/thanks/?utm_source=mail"), true),
            ("page_view", 2) => (format!("https://shop.example/orders/{i}"), false),
            _ => ("https://shop.example/".to_string(), false),
        };
        let sv = (!is_lifecycle || name == "shopcue_exposure").then_some((scenario, variant));
        facts.push((name, sv, visitor, ts, goal, thanks));
        // Some events say which visit they are in (new or returning), some do not (unknown).
        // Each visitor's events fall in one of three visits (sessions), or none (a server's).
        let event = common::ev_at(&url, &format!("e{i}"), name, &format!("v{visitor}"), ts, &params);
        let event = match next(4) {
            0 => event.replace(r#""session_id":"s""#, r#""session_id":"""#),
            k => event.replace(r#""session_id":"s""#, &format!(r#""session_id":"v{visitor}-{k}""#)),
        };
        let event = match next(3) {
            0 => event,
            n => event.replace(r#""url":"#, &format!(r#""session_number":{n},"url":"#)),
        };
        // Most say where their visit came from (three channels); some do not (an older widget).
        let event = match next(4) {
            0 => event,
            n => event.replace(r#""url":"#, &format!(r#""traffic":"{}","url":"#, TRAFFIC[n as usize - 1])),
        };
        all.push(event);
    }
    // Each group arrives from another class of device (a resent event keeps its first one).
    let devices = [Device::Mobile, Device::Desktop, Device::Tablet, Device::Unknown];
    for (g, group) in all.chunks(250).enumerate() {
        let mut events: Vec<String> = group.to_vec();
        if g > 0 {
            events.extend(all[(g - 1) * 250..g * 250].iter().step_by(5).cloned());
        }
        let decoded = shopcue_collector::batch::decode(&batch("r", &events), now_ms()).unwrap().sent_from(devices[g % 4]);
        store.write(&[Incoming { events: decoded.events, received_at: now_ms() }]).unwrap();
    }
    // Whole-day windows read the daily cohorts; 7.5 days reads the per-visitor table.
    let queries: Vec<ReportQuery> = [(0, 30, 14), (2, 9, 6), (5, 6, 0), (0, 30, 180), (1, 20, 15)]
        .iter()
        .map(|&(from, to, half_days)| ReportQuery {
            site: "r".into(),
            from: t0 + from * common::DAY,
            to: t0 + to * common::DAY,
            window_ms: half_days * common::DAY / 2,
            segment: Filter::default(),
        })
        .collect();
    // Every query unfiltered, by each device class, by new / returning / unknown, by one
    // device and visit together, and by each channel.
    let filters: Vec<Filter> = [(None, None, None), (Some("mobile"), Some("new"), None)]
        .into_iter()
        .chain(["mobile", "tablet", "desktop", "unknown"].map(|d| (Some(d), None, None)))
        .chain(["new", "returning", "unknown"].map(|v| (None, Some(v), None)))
        .chain(["organic_search", "paid_social", "direct"].map(|c| (None, None, Some(c))))
        .map(|(d, v, c)| Filter::parse(d, v, c).unwrap())
        .collect();
    let filtered: Vec<ReportQuery> =
        queries.iter().flat_map(|q| filters.iter().map(|f| ReportQuery { segment: *f, ..q.clone() })).collect();
    // The visits (sessions) that began in each period, per segment and per day.
    let sessions = |q: &ReportQuery| {
        let s = shopcue_collector::analytics::load_sessions(&store, &q.site, q.from, q.to, &q.segment).unwrap();
        (s.by_segment, s.by_day)
    };
    let incremental: Vec<_> = filtered.iter().map(|q| (store.report(q).unwrap(), store.daily(q).unwrap())).collect();
    let incremental_sessions: Vec<_> = filtered.iter().map(sessions).collect();
    store.rebuild_rollups().unwrap();
    let rebuilt: Vec<_> = filtered.iter().map(|q| (store.report(q).unwrap(), store.daily(q).unwrap())).collect();
    for (i, (a, b)) in incremental.iter().zip(&rebuilt).enumerate() {
        assert_eq!(a, b, "query {i}: {:?}", filtered[i]);
    }
    assert_eq!(incremental_sessions, filtered.iter().map(sessions).collect::<Vec<_>>());
    // A visit counts once, where its earliest event is, however its events arrived: the
    // unfiltered count over all days is the number of session ids, and the days add up to it.
    let all_days = ReportQuery { from: t0 - common::DAY, to: t0 + 14 * common::DAY, ..queries[0].clone() };
    let (by_segment, by_day) = sessions(&all_days);
    let ids: std::collections::BTreeSet<&str> =
        all.iter().filter_map(|e| e.split(r#""session_id":""#).nth(1)?.split('"').next()).filter(|id| !id.is_empty()).collect();
    assert_eq!(by_segment.iter().map(|(_, n)| n).sum::<u64>(), ids.len() as u64, "{by_segment:?}");
    assert_eq!(by_day.iter().map(|(_, n)| n).sum::<u64>(), ids.len() as u64);
    assert!(by_segment.len() > 4 && ids.len() > 300, "visits in several segments: {by_segment:?}");
    // The segments of one dimension split the whole: each row of the unfiltered report is the
    // sum of its rows by device class, and by visit.
    let total = |reports: &[&Vec<shopcue_collector::report::Row>]| {
        let mut sum: std::collections::BTreeMap<(String, String), [u64; 5]> = Default::default();
        for r in reports.iter().flat_map(|rows| rows.iter()) {
            let cell = sum.entry((r.scenario_id.clone(), r.variant.clone())).or_default();
            for (c, n) in cell.iter_mut().zip([r.exposed, r.converted, r.impressions, r.clicks, r.dismissals]) {
                *c += n;
            }
        }
        sum
    };
    for (q, chunk) in incremental.chunks(filters.len()).enumerate() {
        let whole = total(&[&chunk[0].0]);
        assert_eq!(total(&chunk[2..6].iter().map(|c| &c.0).collect::<Vec<_>>()), whole, "devices, query {q}");
        assert_eq!(total(&chunk[6..9].iter().map(|c| &c.0).collect::<Vec<_>>()), whole, "visits, query {q}");
        let purchases = |days: &[shopcue_collector::store::Day]| days.iter().map(|d| d.purchases).sum::<u64>();
        assert_eq!(chunk[2..6].iter().map(|c| purchases(&c.1)).sum::<u64>(), purchases(&chunk[0].1), "daily, query {q}");
        let exposed = |c: &(Vec<shopcue_collector::report::Row>, _)| c.0.iter().map(|r| r.exposed).sum::<u64>();
        assert!(exposed(&chunk[1]) < whole.values().map(|c| c[0]).sum::<u64>());
        // The channels: each has exposures; together fewer than all (some events name none).
        let channels = total(&chunk[9..12].iter().map(|c| &c.0).collect::<Vec<_>>());
        assert!(chunk[9..12].iter().all(|c| exposed(c) > 0), "each channel, query {q}");
        assert!(
            channels.values().map(|c| c[2]).sum::<u64>() < whole.values().map(|c| c[2]).sum::<u64>(),
            "impressions, query {q}"
        );
    }
    let incremental: Vec<_> = incremental.into_iter().step_by(filters.len()).collect();
    // The two report paths agree: events fall on whole hours, so a window of 7 days and one
    // of 7 days + 1 ms (per-visitor table) count the same conversions as the cohorts' 7 days.
    let week = ReportQuery { window_ms: 7 * common::DAY, ..queries[0].clone() };
    let week_and_a_ms = ReportQuery { window_ms: 7 * common::DAY + 1, ..queries[0].clone() };
    assert_eq!(store.report(&week).unwrap(), store.report(&week_and_a_ms).unwrap());
    let exposed: u64 = incremental[0].0.iter().map(|r| r.exposed).sum();
    let converted: u64 = incremental[0].0.iter().map(|r| r.converted).sum();
    println!("rollups: {} rows, {exposed} exposed, {converted} converted — incremental = rebuilt", incremental[0].0.len());
    assert!(exposed > 100 && converted > 10 && incremental[0].0.len() == 4, "a report with substance");
    // Conversions counted in Rust from the events sent, against the report's 7 days: a visitor
    // converts by their first exposure's goal (an event of its name, or a thank-you page),
    // within 7 days of it.
    let mut firsts: std::collections::BTreeMap<(&str, &str, u64), (i64, &str)> = Default::default();
    for (name, sv, visitor, ts, goal, _) in &facts {
        if let (&"shopcue_exposure", Some((sc, v))) = (name, sv) {
            let first = firsts.entry((sc, v, *visitor)).or_insert((*ts, goal.unwrap_or("purchase")));
            *first = (*first).min((*ts, goal.unwrap_or("purchase")));
        }
    }
    for row in &incremental[0].0 {
        let cohort: Vec<_> = firsts.iter().filter(|((sc, v, _), _)| *sc == row.scenario_id && *v == row.variant).collect();
        let converted = cohort
            .iter()
            .filter(|((_, _, visitor), (first, goal))| {
                facts.iter().any(|(name, _, w, ts, _, thanks)| {
                    let reached = name == goal || *thanks && goal.starts_with("/orders/");
                    reached && w == visitor && *ts >= *first && *ts <= first + 7 * common::DAY
                })
            })
            .count() as u64;
        assert_eq!((row.exposed, row.converted), (cohort.len() as u64, converted), "{row:?}");
        let goals = if row.scenario_id == "s1" { ["/orders/*/thanks", "purchase"] } else { ["purchase", "sign_up"] };
        assert_eq!(row.goals, goals, "{row:?}");
    }
}

#[test]
fn eleven_hundred_idle_connections_do_not_starve_healthz() {
    let (addr, _db, _dir) = start(|_| {});
    // More idle connections than the usual 1,024 open files (the test raises its own limit, as
    // the collector's main does; the server here shares this process).
    shopcue_collector::raise_fd_limit();
    let idle: Vec<_> = (0..1100).map(|_| std::net::TcpStream::connect(&addr).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(300));
    let t0 = Instant::now();
    assert_eq!(request(&addr, "GET", "/healthz", "", b"").0, 200);
    let took = t0.elapsed();
    println!("/healthz beside {} idle connections: {took:?}", idle.len());
    assert!(took < Duration::from_secs(1), "{took:?}");
}

/// A collector on the SQLite file `db` (opened again by each call, as a restart would).
fn serve_sqlite(db: &std::path::Path) -> String {
    common::serve(App::new(Arc::new(SqliteStore::open(db).unwrap()), Vec::new(), Vec::new()))
}

/// Noon (UTC) yesterday, so that every event of a test within hours of it falls on one UTC day.
fn noon_yesterday() -> i64 {
    now_ms().div_euclid(common::DAY) * common::DAY - common::DAY / 2
}

#[test]
fn sessions_and_conversion_rate_by_channel_and_a_database_from_before_sessions_gets_them() {
    let dir = temp_dir("collector-sessions");
    let db = dir.0.join("events.sqlite");
    let addr = serve_sqlite(&db);
    let now = noon_yesterday();
    // Two visits from a search ad (one buys), a direct one that buys, and a purchase a server
    // sent (no visit, no traffic). The ad's later page repeats its traffic; its first event
    // arrives last and still decides the visit's day and segment.
    let ev = |id: &str, name: &str, session: &str, ago_min: i64, traffic: &str| {
        common::ev(id, name, "v", now - ago_min * 60_000, "{}")
            .replace(r#""session_id":"s""#, &format!(r#""session_id":"{session}""#))
            .replace(r#""url":"#, &format!(r#""session_number":1,"traffic":"{traffic}","url":"#))
    };
    let ad = r"google\ncpc\nbrand";
    let events = [
        ev("a2", "view_item", "ad-1", 50, ad),
        ev("a3", "purchase", "ad-1", 40, ad),
        ev("b1", "page_view", "ad-2", 30, ad),
        ev("c1", "page_view", "direct-1", 20, r"(direct)\n(none)\n"),
        ev("c2", "purchase", "direct-1", 10, r"(direct)\n(none)\n"),
        common::ev("d1", "purchase", "server", now - 5 * 60_000, "{}").replace(r#""session_id":"s""#, r#""session_id":"""#),
    ];
    let (status, _, reply) = request(&addr, "POST", "/collect", "", batch("s", &events).as_bytes());
    assert_eq!(status, 200, "{reply}");
    let late = [ev("a1", "page_view", "ad-1", 60, ad)];
    assert_eq!(request(&addr, "POST", "/collect", "", batch("s", &late).as_bytes()).0, 200);
    let report = format!("/report?site=s&from={}&to={}", now - 2 * common::DAY, now + common::DAY);
    let r = request(&addr, "GET", &report, "", b"").2;
    assert!(r.contains(r#""sessions":3,"orders":{"count":3,"#), "{r}");
    assert!(r.contains(r#""conversion_rate":1}"#), "3 orders in 3 visits: {r}");
    let channels = r.split(r#""channels":"#).nth(1).unwrap().split(r#","daily""#).next().unwrap();
    assert_eq!(
        channels,
        concat!(
            r#"[{"channel":"direct","sessions":1,"orders":1,"conversion_rate":1,"revenue":0,"aov":0},"#,
            r#"{"channel":"paid_search","sessions":2,"orders":1,"conversion_rate":0.5,"revenue":0,"aov":0},"#,
            r#"{"channel":null,"sessions":0,"orders":1,"conversion_rate":null,"revenue":0,"aov":0}]"#
        )
    );
    // The visits per day, the channel filter and the channels' CSV.
    assert!(r.contains(r#""impressions":0,"purchases":3,"sessions":3}"#), "{r}");
    let ads = request(&addr, "GET", "/report?site=s&channel=paid_search", "", b"").2;
    assert!(ads.contains(r#""sessions":2,"orders":{"count":1,"#) && ads.contains(r#""conversion_rate":0.5}"#), "{ads}");
    let (status, _, csv) = request(&addr, "GET", "/report?site=s&format=csv&table=channels", "", b"");
    assert_eq!(status, 200);
    assert_eq!(
        csv,
        "channel,sessions,orders,conversion_rate,revenue,aov\ndirect,1,1,1,0,0\npaid_search,2,1,0.5,0,0\n,0,1,,0,0\n"
    );
    // A database written before visits were counted gets them from its events when opened.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("DROP TABLE sessions; DROP TABLE session_daily;").unwrap();
    drop(conn);
    let reopened = serve_sqlite(&db);
    assert_eq!(request(&reopened, "GET", &report, "", b"").2, r);
}

#[test]
fn a_scenarios_goal_counts_its_conversions_and_a_database_from_before_goals_gets_them() {
    let dir = temp_dir("collector-goals");
    let db = dir.0.join("events.sqlite");
    let addr = serve_sqlite(&db);
    let now = noon_yesterday();
    let at = |min: i64| now + min * 60_000;
    let news = r#"{"scenario_id":"news","goal":"sign_up"}"#;
    // The newsletter's goal is a sign-up: a signs up, b only buys. The sale's is a purchase: c
    // buys, and d only signs up. a's sign-up in a later batch than its exposure still counts.
    // The contact form's goal is its thank-you page: e reaches it (in a later batch, at an
    // address with a slash at the end and a query), f only views the form.
    let contact = r#"{"scenario_id":"contact","goal":"/contact/thanks"}"#;
    let page = |id: &str, visitor: &str, min: i64, url: &str| common::ev_at(url, id, "page_view", visitor, at(min), "{}");
    let first = [
        common::ev("10", "shopcue_exposure", "e", at(0), contact),
        common::ev("11", "shopcue_exposure", "f", at(0), contact),
        page("12", "f", 3, "https://s.example/contact"),
        page("13", "e", 3, "https://s.example/contact"),
        common::ev("1", "shopcue_exposure", "a", at(0), news),
        common::ev("2", "shopcue_exposure", "b", at(0), news),
        common::ev("3", "shopcue_exposure", "c", at(0), r#"{"scenario_id":"sale"}"#),
        common::ev("4", "shopcue_exposure", "d", at(0), r#"{"scenario_id":"sale"}"#),
        common::ev("5", "purchase", "b", at(5), r#"{"transaction_id":"o-b","value":100}"#),
        common::ev("6", "purchase", "c", at(5), r#"{"transaction_id":"o-c","value":100}"#),
        common::ev("7", "sign_up", "d", at(5), "{}"),
    ];
    assert_eq!(request(&addr, "POST", "/collect", "", batch("s", &first).as_bytes()).0, 200);
    let later = [
        common::ev("8", "sign_up", "a", at(9), r#"{"method":"email"}"#),
        page("14", "e", 4, "https://s.example/contact/thanks/?from=form"),
    ];
    assert_eq!(request(&addr, "POST", "/collect", "", batch("s", &later).as_bytes()).0, 200);
    let report = format!("/report?site=s&from={}&to={}", now - common::DAY, now + common::DAY);
    let r = request(&addr, "GET", &report, "", b"").2;
    let scenario =
        |id: &str| r.split(&format!(r#"{{"scenario_id":"{id}","#)).nth(1).unwrap().split(r#""ctr""#).next().unwrap().to_string();
    assert_eq!(
        scenario("news"),
        r#""goals":["sign_up"],"variants":[{"variant":null,"exposed":2,"impressions":0,"clicks":0,"dismissals":0,"conversions":1,"#
    );
    assert_eq!(
        scenario("sale"),
        r#""goals":["purchase"],"variants":[{"variant":null,"exposed":2,"impressions":0,"clicks":0,"dismissals":0,"conversions":1,"#
    );
    assert_eq!(
        scenario("contact"),
        r#""goals":["/contact/thanks"],"variants":[{"variant":null,"exposed":2,"impressions":0,"clicks":0,"dismissals":0,"conversions":1,"#
    );
    let csv = request(&addr, "GET", &format!("{report}&format=csv"), "", b"").2;
    assert!(csv.lines().any(|l| l.starts_with("news,,2,") && l.ends_with(",sign_up,,,,,,,,,,,,,,,,")), "{csv}");
    assert!(csv.lines().any(|l| l.starts_with("contact,,2,") && l.ends_with(",/contact/thanks,,,,,,,,,,,,,,,,")), "{csv}");
    // An exposure whose page goal is not as the compiler writes it is refused with the reason;
    // the rest of its batch is kept.
    let odd = [
        common::ev("15", "shopcue_exposure", "g", at(1), r#"{"scenario_id":"contact","goal":"/contact/thanks/"}"#),
        common::ev("16", "page_view", "g", at(2), "{}"),
    ];
    let (status, _, reply) = request(&addr, "POST", "/collect", "", batch("s", &odd).as_bytes());
    assert_eq!(status, 200, "{reply}");
    assert!(reply.contains(r#""accepted":1"#) && reply.contains("params.goal must be an event name"), "{reply}");
    // A database written before goals: its cohorts are rebuilt from the events when opened.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("ALTER TABLE exposures DROP COLUMN goal").unwrap();
    drop(conn);
    let reopened = serve_sqlite(&db);
    assert_eq!(request(&reopened, "GET", &report, "", b"").2, r);
    let goals: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM exposures WHERE goal = 'sign_up'", [], |row| row.get(0))
        .unwrap();
    assert_eq!(goals, 2, "a and b's, read from their exposures' JSON");
    let pages: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM exposures WHERE goal = '/contact/thanks' AND converted_ts IS NOT NULL", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(pages, 1, "e's, converted by the thank-you page in the rebuild");
    let more = [common::ev("9", "shopcue_exposure", "e", at(1), news)];
    assert_eq!(request(&reopened, "POST", "/collect", "", batch("s", &more).as_bytes()).0, 200);
    assert!(request(&reopened, "GET", &report, "", b"").2.contains(r#""exposed":3,"#));
}
