//! Shared by the collector's integration tests: a server on a loopback port over any store,
//! raw HTTP/1.1 requests, event builders, and a throwaway PostgreSQL cluster.
#![allow(dead_code)] // each test crate uses its own part

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use shopcue_collector::store::Database;
use shopcue_collector::{sqlite::SqliteStore, App};

pub struct Server {
    pub addr: String,
    pub db: PathBuf,
    _dir: TempDir,
}

pub struct TempDir(pub PathBuf);
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh directory of its own. The counter keeps two tests of this process that ask in the
/// same nanosecond apart (two PostgreSQL clusters once shared one `data` directory that way).
pub fn temp_dir(kind: &str) -> TempDir {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("shopcue-{kind}-{}-{}-{n}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

/// A collector over a fresh SQLite file in a temporary directory with a tiny static site.
pub fn start_sqlite() -> Server {
    let dir = temp_dir("collector-test");
    std::fs::create_dir_all(dir.0.join("www")).unwrap();
    std::fs::write(dir.0.join("www/index.html"), "<h1>store</h1>").unwrap();
    std::fs::write(dir.0.join("www/secret.txt"), "inside").unwrap();
    let db = dir.0.join("events.sqlite");
    let store = SqliteStore::open(&db).unwrap();
    let app = App::new(Arc::new(store), vec![dir.0.join("www")], vec!["https://shop.example".into()]);
    let addr = serve(app);
    Server { addr, db, _dir: dir }
}

/// Serves `app` on a free loopback port from its own thread; returns `host:port`.
pub fn serve(app: App) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap().to_string()).unwrap();
            shopcue_collector::serve(listener, app, std::future::pending()).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// A collector over `store` (no static files).
pub fn start_with(store: Arc<dyn Database>) -> String {
    serve(App::new(store, Vec::new(), Vec::new()))
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

/// Sends one HTTP/1.1 request; returns (status, headers, body).
pub fn request(addr: &str, method: &str, path: &str, extra_headers: &str, body: &[u8]) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\n{extra_headers}\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    let _ = s.write_all(body);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

/// One event as JSON.
/// The tables of a database written before segments (device class, new vs returning), in SQL
/// both stores take, holding `site` b's exposure and impression at `t` and a purchase two days
/// on — and no rollup rows: whatever a report counts was rebuilt when the store opened it.
#[allow(dead_code)]
pub fn before_segments(t: i64) -> String {
    let mut sql = String::from(
        "CREATE TABLE events (id TEXT NOT NULL, site TEXT NOT NULL, name TEXT NOT NULL, ts BIGINT NOT NULL,
           visitor_id TEXT NOT NULL, session_id TEXT NOT NULL, url TEXT NOT NULL, scenario_id TEXT, variant TEXT,
           json TEXT NOT NULL, received_at BIGINT NOT NULL, PRIMARY KEY (site, id));
         CREATE TABLE rollup_daily (site TEXT NOT NULL, day BIGINT NOT NULL, scenario_id TEXT NOT NULL, variant TEXT NOT NULL,
           impressions BIGINT NOT NULL, clicks BIGINT NOT NULL, dismissals BIGINT NOT NULL, purchases BIGINT NOT NULL,
           PRIMARY KEY (site, day, scenario_id, variant));
         CREATE TABLE exposures (site TEXT NOT NULL, scenario_id TEXT NOT NULL, variant TEXT NOT NULL, visitor_id TEXT NOT NULL,
           first_ts BIGINT NOT NULL, converted_ts BIGINT, PRIMARY KEY (site, scenario_id, variant, visitor_id));
         CREATE TABLE exposure_daily (site TEXT NOT NULL, scenario_id TEXT NOT NULL, variant TEXT NOT NULL, day BIGINT NOT NULL,
           exposed BIGINT NOT NULL, PRIMARY KEY (site, day, scenario_id, variant));
         CREATE TABLE conversion_daily (site TEXT NOT NULL, scenario_id TEXT NOT NULL, variant TEXT NOT NULL, day BIGINT NOT NULL,
           delay_days BIGINT NOT NULL, visitors BIGINT NOT NULL, PRIMARY KEY (site, day, scenario_id, variant, delay_days));",
    );
    for (id, name, ts, sc, variant) in [
        ("x", "shopcue_exposure", t, "'s'", "'a'"),
        ("i", "shopcue_impression", t, "'s'", "'a'"),
        ("p", "purchase", t + 2 * DAY, "NULL", "NULL"),
    ] {
        sql.push_str(&format!(
            "INSERT INTO events VALUES ('{id}', 'b', '{name}', {ts}, 'v', 's', '/', {sc}, {variant}, '{{}}', {ts});"
        ));
    }
    sql
}

/// What `/report?site=b` says of [`before_segments`]' scenario.
#[allow(dead_code)]
pub const BEFORE_SEGMENTS_ROW: &str = r#""variant":"a","exposed":1,"impressions":1,"clicks":0,"dismissals":0,"conversions":1"#;

pub fn ev(id: &str, name: &str, visitor: &str, ts: i64, params: &str) -> String {
    format!(r#"{{"id":"{id}","name":"{name}","ts":{ts},"visitor_id":"{visitor}","session_id":"s","url":"/","params":{params}}}"#)
}

/// [`ev`] on the page `url` (a page view's address, which a page goal or a preview reads).
pub fn ev_at(url: &str, id: &str, name: &str, visitor: &str, ts: i64, params: &str) -> String {
    ev(id, name, visitor, ts, params).replace(r#""url":"/""#, &format!(r#""url":"{url}""#))
}

/// A throwaway PostgreSQL cluster from Debian's packages (`initdb` + `postgres` on a free
/// loopback port), or the server named by `SHOPCUE_TEST_POSTGRES_URL`. Killed on drop.
pub struct Postgres {
    pub url: String,
    child: Option<Child>,
    dir: Option<TempDir>,
    bin: PathBuf,
    port: u16,
}

fn postgres_bin() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).filter(|b| b.join("initdb").exists()).collect())
        .unwrap_or_default();
    found.sort();
    found.pop().expect("PostgreSQL is not installed (apt-get install postgresql; scripts/ci/setup.sh does it)")
}

/// Runs a PostgreSQL program as the `postgres` user when we are root (it refuses to run as root).
fn as_postgres(program: PathBuf) -> Command {
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0\n")).unwrap_or(false);
    if root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid", "postgres", "--regid", "postgres", "--clear-groups", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

impl Postgres {
    pub fn start() -> Postgres {
        if let Ok(url) = std::env::var("SHOPCUE_TEST_POSTGRES_URL") {
            return Postgres { url, child: None, dir: None, bin: PathBuf::new(), port: 0 };
        }
        let bin = postgres_bin();
        let dir = temp_dir("pg");
        let _ = Command::new("chown").arg("-R").arg("postgres:postgres").arg(&dir.0).status();
        let out = as_postgres(bin.join("initdb"))
            .arg("-D")
            .arg(dir.0.join("data"))
            .args(["-U", "shopcue", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"])
            .output()
            .expect("initdb");
        assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut pg =
            Postgres { url: format!("postgres://shopcue@127.0.0.1:{port}/postgres"), child: None, dir: Some(dir), bin, port };
        pg.run();
        pg
    }

    /// Starts the server on the existing data directory and waits until it accepts connections.
    pub fn run(&mut self) {
        let dir = &self.dir.as_ref().expect("a cluster of our own").0;
        let child = as_postgres(self.bin.join("postgres"))
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-p", &self.port.to_string(), "-k"])
            .arg(dir)
            .args(["-c", "listen_addresses=127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("postgres");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "PostgreSQL did not start within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        // Accepting TCP is not yet accepting queries: wait for a real one.
        while postgres::Client::connect(&self.url, postgres::NoTls).is_err() {
            assert!(Instant::now() < deadline, "PostgreSQL did not accept queries within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the server as a crash would (SIGKILL to the postmaster).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
            // The backends notice their postmaster died; wait until the port is free again.
            let deadline = Instant::now() + Duration::from_secs(10);
            while TcpStream::connect(("127.0.0.1", self.port)).is_ok() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            // Left-over backends keep the shared memory; give them a moment to exit.
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.kill();
    }
}

pub const DAY: i64 = 86_400_000;
/// Exposure time of [`report_batch`]: ten days ago, fixed for the whole test run. (The collector
/// reports an event at its receipt time when its clock is more than 30 days off, so fixtures
/// cannot use a fixed date.)
pub fn t0() -> i64 {
    static T0: std::sync::OnceLock<i64> = std::sync::OnceLock::new();
    *T0.get_or_init(|| now_ms() - 10 * DAY)
}

/// The time now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64
}

/// One batch whose report is known: variant `a` (10 exposed, 3 converted in 7 days, 10
/// impressions, 2 clicks, 1 dismissal) against a holdout (10 exposed, 1 converted).
pub fn report_batch() -> String {
    let (t0, day) = (t0(), DAY);
    let mut events = Vec::new();
    for i in 0..10 {
        let (a, h) = (format!("a{i}"), format!("h{i}"));
        events.push(ev(&format!("xa{i}"), "shopcue_exposure", &a, t0, r#"{"scenario_id":"s","variant":"a"}"#));
        events.push(ev(&format!("xh{i}"), "shopcue_exposure", &h, t0, r#"{"scenario_id":"s","variant":"holdout"}"#));
        events.push(ev(&format!("ia{i}"), "shopcue_impression", &a, t0 + 1, r#"{"scenario_id":"s","variant":"a"}"#));
    }
    // A repeated exposure counts once; its later time does not move the window.
    events.push(ev("xa0-again", "shopcue_exposure", "a0", t0 + 3 * day, r#"{"scenario_id":"s","variant":"a"}"#));
    for (id, visitor, at) in [
        ("p1", "a0", t0 + day),     // in the window
        ("p2", "a1", t0 + 6 * day), // in the window
        ("p3", "a2", t0 + 7 * day), // the window's last moment
        ("p4", "a3", t0 + 8 * day), // too late
        ("p5", "a4", t0 - day),     // before exposure
        ("p6", "h0", t0 + day),     // control converts too
    ] {
        events.push(ev(id, "purchase", visitor, at, "{}"));
    }
    events.push(ev("c1", "shopcue_click", "a0", t0 + 2, r#"{"scenario_id":"s","variant":"a"}"#));
    events.push(ev("c2", "shopcue_click", "a1", t0 + 2, r#"{"scenario_id":"s","variant":"a"}"#));
    events.push(ev("d1", "shopcue_dismiss", "a5", t0 + 2, r#"{"scenario_id":"s","variant":"a"}"#));
    format!(r#"{{"site":"demo","events":[{}]}}"#, events.join(","))
}
