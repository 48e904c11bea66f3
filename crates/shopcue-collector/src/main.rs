//! `shopcue-collector` — the collection endpoint and demo server.
//!
//! ```text
//! shopcue-collector [--listen ADDR] [--db FILE|postgres://…] [--static DIR]... [--allow-origin ORIGIN]...
//!                   [--rate N] [--burst N] [--read-timeout SECONDS]
//! ```
//! Environment: `SHOPCUE_LISTEN`, `SHOPCUE_DB`, `SHOPCUE_STATIC` (colon-separated),
//! `SHOPCUE_ALLOW_ORIGINS` (comma-separated), `SHOPCUE_RATE`, `SHOPCUE_BURST`,
//! `SHOPCUE_READ_TIMEOUT`. Flags win over the environment.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use shopcue_collector::limit::RateLimiter;
use shopcue_collector::pg::{is_postgres_url, PgStore};
use shopcue_collector::sqlite::SqliteStore;
use shopcue_collector::store::EventStore;
use shopcue_collector::App;

const USAGE: &str =
    "usage: shopcue-collector [--listen 127.0.0.1:8787] [--db shopcue.sqlite | --db postgres://…] [--static DIR]...
                         [--allow-origin ORIGIN]... [--rate 20] [--burst 100] [--read-timeout 10]

  --listen ADDR          address to listen on (env SHOPCUE_LISTEN; default 127.0.0.1:8787; port 0 picks a free one)
  --db FILE|URL          SQLite database file, created if missing, or a postgres:// URL; the table is created
                         if missing (env SHOPCUE_DB; default shopcue.sqlite)
  --static DIR           serve files from DIR; repeat for more, first match wins (env SHOPCUE_STATIC, ':'-separated)
  --allow-origin ORIGIN  let ORIGIN read /collect replies (CORS); '*' for any (env SHOPCUE_ALLOW_ORIGINS, ','-separated)
  --rate N               batches per second allowed per site and client address (env SHOPCUE_RATE; default 20)
  --burst N              batches a client may send at once before --rate applies (env SHOPCUE_BURST; default 100)
  --read-timeout S       seconds to receive a request's headers, then its body (env SHOPCUE_READ_TIMEOUT; default 10)";

struct Args {
    listen: String,
    db: String,
    statics: Vec<PathBuf>,
    origins: Vec<String>,
    rate: f64,
    burst: f64,
    read_timeout: f64,
}

fn number(name: &str, v: &str) -> Result<f64, String> {
    v.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite() && *n > 0.0)
        .ok_or_else(|| format!("{name} must be a positive number, got \"{v}\""))
}

fn parse_args() -> Result<Args, String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut args = Args {
        listen: env("SHOPCUE_LISTEN").unwrap_or_else(|| "127.0.0.1:8787".into()),
        db: env("SHOPCUE_DB").unwrap_or_else(|| "shopcue.sqlite".into()),
        statics: env("SHOPCUE_STATIC").map(|s| s.split(':').map(PathBuf::from).collect()).unwrap_or_default(),
        origins: env("SHOPCUE_ALLOW_ORIGINS").map(|s| s.split(',').map(str::to_string).collect()).unwrap_or_default(),
        rate: env("SHOPCUE_RATE").map_or(Ok(20.0), |v| number("SHOPCUE_RATE", &v))?,
        burst: env("SHOPCUE_BURST").map_or(Ok(100.0), |v| number("SHOPCUE_BURST", &v))?,
        read_timeout: env("SHOPCUE_READ_TIMEOUT").map_or(Ok(10.0), |v| number("SHOPCUE_READ_TIMEOUT", &v))?,
    };
    let mut statics_from_flags = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--listen" => args.listen = value("--listen")?,
            "--db" => args.db = value("--db")?,
            "--rate" => args.rate = number("--rate", &value("--rate")?)?,
            "--burst" => args.burst = number("--burst", &value("--burst")?)?,
            "--read-timeout" => args.read_timeout = number("--read-timeout", &value("--read-timeout")?)?,
            "--static" => statics_from_flags.push(PathBuf::from(value("--static")?)),
            "--allow-origin" => args.origins.push(value("--allow-origin")?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !statics_from_flags.is_empty() {
        args.statics = statics_from_flags;
    }
    Ok(args)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("shopcue-collector: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let db = args.db.clone();
    // The PostgreSQL client blocks: open it off the async runtime.
    let opened = tokio::task::spawn_blocking(move || -> Result<Arc<dyn EventStore>, String> {
        if is_postgres_url(&db) {
            Ok(Arc::new(PgStore::open(&db)?))
        } else {
            Ok(Arc::new(SqliteStore::open(std::path::Path::new(&db)).map_err(|e| e.to_string())?))
        }
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    let store = match opened {
        Ok(s) => s,
        Err(e) => {
            eprintln!("shopcue-collector: cannot open database {}: {e}", redact(&args.db));
            return ExitCode::FAILURE;
        }
    };
    let listener = match tokio::net::TcpListener::bind(&args.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("shopcue-collector: cannot listen on {}: {e}", args.listen);
            return ExitCode::FAILURE;
        }
    };
    let addr = listener.local_addr().map(|a| a.to_string()).unwrap_or(args.listen.clone());
    println!("shopcue-collector listening on http://{addr}/ (database {})", redact(&args.db));
    let mut app = App::new(store, args.statics, args.origins);
    app.limiter = Arc::new(RateLimiter::new(args.rate, args.burst));
    app.read_timeout = Duration::from_secs_f64(args.read_timeout);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = shopcue_collector::serve(listener, app, shutdown).await {
        eprintln!("shopcue-collector: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

/// A database name for the log, without the password of a `postgres://user:password@…` URL.
fn redact(db: &str) -> String {
    match (db.find("://"), db.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &db[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &db[..scheme + 3], &db[at..]),
                None => db.to_string(),
            }
        }
        _ => db.to_string(),
    }
}
