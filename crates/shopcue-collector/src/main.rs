//! `shopcue-collector` — the collection endpoint and demo server.
//!
//! ```text
//! shopcue-collector [--listen ADDR] [--db FILE] [--static DIR]... [--allow-origin ORIGIN]...
//! ```
//! Environment: `SHOPCUE_LISTEN`, `SHOPCUE_DB`, `SHOPCUE_STATIC` (colon-separated),
//! `SHOPCUE_ALLOW_ORIGINS` (comma-separated). Flags win over the environment.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use shopcue_collector::{store::SqliteStore, App};

const USAGE: &str =
    "usage: shopcue-collector [--listen 127.0.0.1:8787] [--db shopcue.sqlite] [--static DIR]... [--allow-origin ORIGIN]...

  --listen ADDR          address to listen on (env SHOPCUE_LISTEN; default 127.0.0.1:8787; port 0 picks a free one)
  --db FILE              SQLite database file, created if missing (env SHOPCUE_DB; default shopcue.sqlite)
  --static DIR           serve files from DIR; repeat for more, first match wins (env SHOPCUE_STATIC, ':'-separated)
  --allow-origin ORIGIN  let ORIGIN read /collect replies (CORS); '*' for any (env SHOPCUE_ALLOW_ORIGINS, ','-separated)";

struct Args {
    listen: String,
    db: PathBuf,
    statics: Vec<PathBuf>,
    origins: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut args = Args {
        listen: env("SHOPCUE_LISTEN").unwrap_or_else(|| "127.0.0.1:8787".into()),
        db: env("SHOPCUE_DB").unwrap_or_else(|| "shopcue.sqlite".into()).into(),
        statics: env("SHOPCUE_STATIC").map(|s| s.split(':').map(PathBuf::from).collect()).unwrap_or_default(),
        origins: env("SHOPCUE_ALLOW_ORIGINS").map(|s| s.split(',').map(str::to_string).collect()).unwrap_or_default(),
    };
    let mut statics_from_flags = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--listen" => args.listen = value("--listen")?,
            "--db" => args.db = value("--db")?.into(),
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
    let store = match SqliteStore::open(&args.db) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("shopcue-collector: cannot open database {}: {e}", args.db.display());
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
    println!("shopcue-collector listening on http://{addr}/ (database {})", args.db.display());
    let app = App::new(Arc::new(store), args.statics, args.origins);
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(e) = shopcue_collector::serve(listener, app, shutdown).await {
        eprintln!("shopcue-collector: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
