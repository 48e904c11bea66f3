//! Load benchmark: `./x bench` (or `cargo bench -p shopcue-collector --bench load`). Starts the
//! release collector on loopback, first on a fresh SQLite file, then on a throwaway PostgreSQL
//! cluster, sends batches of 10 events from several client threads for a fixed time, and
//! prints accepted events per second and latencies for each. Bounded: loopback only, seconds.

#[path = "../tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECONDS: u64 = 5;
const CLIENTS: usize = 4;
const EVENTS_PER_BATCH: usize = 10;

fn main() {
    let dir = common::temp_dir("load");
    println!("collector load (loopback, {CLIENTS} clients × batches of {EVENTS_PER_BATCH}, {SECONDS} s each)");
    println!(
        "  {:<12} {:>9} {:>10} {:>10} {:>8} {:>8} {:>8}",
        "database", "requests", "events", "events/s", "p50 ms", "p95 ms", "p99 ms"
    );
    run("SQLite", dir.0.join("load.sqlite").to_str().unwrap());
    let pg = common::Postgres::start();
    run("PostgreSQL", &pg.url);
}

fn run(label: &str, db: &str) {
    let bin = std::env::var("SHOPCUE_COLLECTOR").unwrap_or_else(|_| env!("CARGO_BIN_EXE_shopcue-collector").to_string());
    let mut child = Command::new(bin)
        .args(["--listen", "127.0.0.1:0", "--db", db, "--rate", "1000000", "--burst", "1000000"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("collector starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.split("http://").nth(1).and_then(|r| r.split('/').next()).unwrap().to_string();

    let accepted = Arc::new(AtomicU64::new(0));
    let requests = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let latencies: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (addr, accepted, requests) = (addr.clone(), accepted.clone(), requests.clone());
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                let mut n = 0u64;
                while Instant::now() < deadline {
                    let events: Vec<String> = (0..EVENTS_PER_BATCH)
                        .map(|i| {
                            format!(
                                r#"{{"id":"c{c}-{n}-{i}","name":"view_item","ts":1790000000000,"visitor_id":"v{c}-{}","session_id":"s","url":"/p","params":{{"items":[{{"item_id":"x{i}","price":1980}}]}}}}"#,
                                n % 500
                            )
                        })
                        .collect();
                    // The per-address limit is lifted (--rate) to measure the database, not it.
                    let body = format!(r#"{{"v":1,"site":"load-{c}-{}","events":[{}]}}"#, n, events.join(","));
                    let t = Instant::now();
                    let mut s = TcpStream::connect(&addr).unwrap();
                    let req = format!("POST /collect HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}", body.len());
                    s.write_all(req.as_bytes()).unwrap();
                    let mut out = String::new();
                    let _ = s.read_to_string(&mut out);
                    lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    requests.fetch_add(1, Ordering::Relaxed);
                    if out.starts_with("HTTP/1.1 200") {
                        accepted.fetch_add(EVENTS_PER_BATCH as u64, Ordering::Relaxed);
                    }
                    n += 1;
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<f64> = latencies.into_iter().flat_map(|h| h.join().unwrap()).collect();
    child.kill().ok();
    child.wait().ok();
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| lat.get(((lat.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(f64::NAN);
    let events = accepted.load(Ordering::Relaxed);
    println!(
        "  {label:<12} {:>9} {events:>10} {:>10.0} {:>8.2} {:>8.2} {:>8.2}",
        requests.load(Ordering::Relaxed),
        events as f64 / SECONDS as f64,
        pct(0.5),
        pct(0.95),
        pct(0.99)
    );
}
