//! Load benchmark: `./x bench` (or `cargo bench -p shopcue-collector --bench load`). Starts the
//! release collector on loopback with a fresh SQLite file, sends batches of 10 events from
//! several client threads for a fixed time, and prints accepted events per second. Bounded:
//! loopback only, a few seconds.

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
    let dir = std::env::temp_dir().join(format!("shopcue-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = std::env::var("SHOPCUE_COLLECTOR").unwrap_or_else(|_| env!("CARGO_BIN_EXE_shopcue-collector").to_string());
    let mut child = Command::new(bin)
        .args(["--listen", "127.0.0.1:0", "--db"])
        .arg(dir.join("load.sqlite"))
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
                    // One site per client and batch number keeps the per-client rate limit out of the measurement.
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
    std::fs::remove_dir_all(&dir).ok();
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| lat.get(((lat.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(f64::NAN);
    println!("collector load (SQLite, loopback, {CLIENTS} clients × batches of {EVENTS_PER_BATCH}, {SECONDS} s)");
    println!("  requests {:>8}    events accepted {:>9}", requests.load(Ordering::Relaxed), accepted.load(Ordering::Relaxed));
    println!("  events/s into SQLite {:>10.0}", accepted.load(Ordering::Relaxed) as f64 / SECONDS as f64);
    println!("  latency ms  p50 {:.2}  p95 {:.2}  p99 {:.2}", pct(0.5), pct(0.95), pct(0.99));
}
