//! Durability: the collector answers 2xx only after commit, so after `kill -9` in the middle of
//! a load, every acknowledged event is in the database when it restarts.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn spawn(db: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shopcue-collector"))
        .args(["--listen", "127.0.0.1:0", "--db"])
        .arg(db)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("collector starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.split("http://").nth(1).and_then(|r| r.split('/').next()).expect("address printed").to_string();
    (child, addr)
}

fn post(addr: &str, body: &str) -> Option<u16> {
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let req = format!("POST /collect HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.split(' ').nth(1)?.parse().ok()
}

#[test]
fn no_acknowledged_event_is_lost_to_kill_9() {
    let dir = std::env::temp_dir().join(format!("shopcue-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("events.sqlite");
    let (mut child, addr) = spawn(&db);
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let (addr, acked, stop) = (addr.clone(), acked.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let ids: Vec<String> = (0..10).map(|i| format!("w{w}-b{n}-e{i}")).collect();
                    let events: Vec<String> = ids
                        .iter()
                        .map(|id| format!(r#"{{"id":"{id}","name":"view_item","ts":1790000000000,"visitor_id":"v{w}"}}"#))
                        .collect();
                    // Each worker is its own "site" so the per-client rate limit never interferes.
                    let body = format!(r#"{{"site":"load-{w}-{n}","events":[{}]}}"#, events.join(","));
                    if post(&addr, &body) == Some(200) {
                        acked.lock().unwrap().extend(ids);
                    }
                    n += 1;
                }
            })
        })
        .collect();
    let start = Instant::now();
    while acked.lock().unwrap().len() < 2000 && start.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no shutdown, no flush
    child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 1000, "only {} events acknowledged before the kill", acked.len());

    let (mut again, addr) = spawn(&db);
    assert_eq!(
        post(&addr, r#"{"site":"x","events":[{"id":"after","name":"page_view","ts":1790000000000,"visitor_id":"v"}]}"#),
        Some(200)
    );
    again.kill().unwrap();
    again.wait().unwrap();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = conn.prepare("SELECT 1 FROM events WHERE id = ?1").unwrap();
    let missing: Vec<&String> = acked.iter().filter(|id| !stmt.exists([id.as_str()]).unwrap()).collect();
    println!("kill -9 under load: {} acknowledged events, {} missing after restart", acked.len(), missing.len());
    assert!(missing.is_empty(), "{} acknowledged events lost, e.g. {:?}", missing.len(), &missing[..missing.len().min(5)]);
    std::fs::remove_dir_all(&dir).ok();
}
