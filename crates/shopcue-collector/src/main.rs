//! `shopcue-collector` — the collection endpoint and demo server.
//!
//! ```text
//! shopcue-collector [--listen ADDR] [--db FILE|postgres://…] [--static DIR]... [--allow-origin ORIGIN]...
//!                   [--rate N] [--burst N] [--site-rate N] [--site-burst N] [--trusted-proxy IP]...
//!                   [--read-timeout SECONDS]
//! shopcue-collector config check FILE...   # every problem with its JSON path; exit 1 if any
//! shopcue-collector config compile FILE    # the runtime config on stdout (static hosting)
//! shopcue-collector hash-password < pw     # the argon2 hash for --admin-password-file
//! shopcue-collector simulate --db FILE --config FILE [--days 90] [--shoppers 1500] [--seed 1]
//! shopcue-collector --version              # the release and the runtime config format
//! ```
//! Environment: `SHOPCUE_LISTEN`, `SHOPCUE_DB`, `SHOPCUE_STATIC` (colon-separated),
//! `SHOPCUE_ALLOW_ORIGINS` (comma-separated), `SHOPCUE_RATE`, `SHOPCUE_BURST`,
//! `SHOPCUE_SITE_RATE`, `SHOPCUE_SITE_BURST`, `SHOPCUE_TRUSTED_PROXIES` (comma-separated),
//! `SHOPCUE_READ_TIMEOUT`, `SHOPCUE_ADMIN_TOKEN` or `SHOPCUE_ADMIN_TOKEN_FILE`,
//! `SHOPCUE_ADMIN_PASSWORD_HASH` or `SHOPCUE_ADMIN_PASSWORD_FILE`. Flags win over
//! the environment.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use shopcue_collector::limit::RateLimiter;
use shopcue_collector::pg::{is_postgres_url, PgStore};
use shopcue_collector::session::Login;
use shopcue_collector::sqlite::SqliteStore;
use shopcue_collector::store::Database;
use shopcue_collector::App;

const USAGE: &str =
    "usage: shopcue-collector [--listen 127.0.0.1:8787] [--db shopcue.sqlite | --db postgres://…] [--static DIR]...
                         [--allow-origin ORIGIN]... [--rate 20] [--burst 100] [--site-rate 1000] [--site-burst 5000]
                         [--trusted-proxy IP]... [--read-timeout 10]

  --listen ADDR          address to listen on (env SHOPCUE_LISTEN; default 127.0.0.1:8787; port 0 picks a free one)
  --db FILE|URL          SQLite database file, created if missing, or a postgres:// URL; the table is created
                         if missing (env SHOPCUE_DB; default shopcue.sqlite)
  --static DIR           serve files from DIR; repeat for more, first match wins (env SHOPCUE_STATIC, ':'-separated)
  --allow-origin ORIGIN  let ORIGIN read /collect replies (CORS); '*' for any (env SHOPCUE_ALLOW_ORIGINS, ','-separated)
  --rate N               requests per second allowed per client address, all sites together, valid or not
                         (env SHOPCUE_RATE; default 20)
  --burst N              requests a client may send at once before --rate applies (env SHOPCUE_BURST; default 100)
  --site-rate N          batches per second per site from all clients (env SHOPCUE_SITE_RATE; default 1000)
  --site-burst N         batches per site at once before --site-rate applies (env SHOPCUE_SITE_BURST; default 5000)
  --trusted-proxy IP     a proxy or load balancer whose X-Forwarded-For names the client; repeat for more
                         (env SHOPCUE_TRUSTED_PROXIES, ','-separated; default none: the connection's address)
  --read-timeout S       seconds to receive a request's headers, then its body (env SHOPCUE_READ_TIMEOUT; default 10)
  --admin-token-file F   the admin token /report and /dashboard require, read from F (env SHOPCUE_ADMIN_TOKEN_FILE,
                         or the token itself in SHOPCUE_ADMIN_TOKEN; default none: they answer only on this machine)
  --admin-password-file F  the admin password's argon2 hash (from `hash-password`), for browser logins at POST /login
                         (env SHOPCUE_ADMIN_PASSWORD_FILE, or the hash itself in SHOPCUE_ADMIN_PASSWORD_HASH)

       shopcue-collector --version             this release and the runtime config format it compiles to
       shopcue-collector config check FILE...  list every problem of each raw config with its JSON path (exit 1 if
                                               any; FILE - reads standard input)
       shopcue-collector hash-password < pw    print the argon2 hash of the password on stdin (12 characters or more)
       shopcue-collector config compile FILE   print its runtime config (what /shopcue/sites/SITE/config.json serves),
                                               for sites that host the widget's files themselves
       shopcue-collector simulate --db FILE|URL --config FILE [--days 90] [--shoppers 1500] [--seed 1]
                                               demo data: simulated shoppers driven through the real Shopcue runtime
                                               under the config, over the last DAYS days, written to the database";

/// `simulate`: seeds a database with simulated shoppers ([`shopcue_collector::simulate`]).
fn simulate_command(args: &[String]) -> ExitCode {
    let mut db = None;
    let mut config = None;
    let (mut days, mut shoppers, mut seed) = (90u32, 1500u32, 1u64);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next();
        let ok = match (flag.as_str(), value) {
            ("--db", Some(v)) => {
                db = Some(v.clone());
                true
            }
            ("--config", Some(v)) => {
                config = Some(v.clone());
                true
            }
            ("--days", Some(v)) => v.parse().map(|n| days = n).is_ok() && (1..=3650).contains(&days),
            ("--shoppers", Some(v)) => v.parse().map(|n| shoppers = n).is_ok() && (1..=1_000_000).contains(&shoppers),
            ("--seed", Some(v)) => v.parse().map(|n| seed = n).is_ok(),
            _ => false,
        };
        if !ok {
            eprintln!("shopcue-collector simulate: bad argument {flag}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    let (Some(db), Some(config)) = (db, config) else {
        eprintln!("shopcue-collector simulate: --db and --config are required\n{USAGE}");
        return ExitCode::from(2);
    };
    let raw = match std::fs::read_to_string(&config)
        .map_err(|e| e.to_string())
        .and_then(|t| shopcue::json::parse(&t).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("shopcue-collector simulate: cannot read {config}: {e}");
            return ExitCode::from(2);
        }
    };
    let site = raw.get("site").and_then(shopcue::json::Value::as_str).unwrap_or_default().to_string();
    let store = match open_database(&db) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("shopcue-collector simulate: cannot open database {}: {e}", redact(&db));
            return ExitCode::FAILURE;
        }
    };
    let end_ms = shopcue_collector::now_ms();
    let sim = shopcue_collector::simulate::Simulation { site: site.clone(), days, shoppers, seed, end_ms };
    match shopcue_collector::simulate::simulate(&*store, &raw, &sim) {
        Ok(done) => {
            println!(
                "Simulated {shoppers} shoppers over {days} days for {site}: {} events, {} visits, {} purchases, {} other goals reached, {} impressions.",
                done.events, done.sessions, done.purchases, done.goals, done.impressions
            );
            // The config the history ran under, as the version live from its first day: the
            // report reads a split test from the day its variants went live.
            let published = shopcue_collector::publish::compile_for(&site, &raw).map_err(|e| e.to_string()).and_then(|runtime| {
                let v = shopcue_collector::configs::NewVersion {
                    site: site.clone(),
                    now: end_ms - i64::from(days) * shopcue_collector::rollup::DAY_MS,
                    author: "simulate".into(),
                    note: "the config the simulated history ran under".into(),
                    action: "publish",
                    source_version: None,
                    raw: shopcue_collector::configs::pretty(&raw),
                    runtime,
                    based_on: None,
                };
                store.publish(&v, "simulate")
            });
            if let Err(e) = published {
                eprintln!("shopcue-collector simulate: the history's config not published: {e}");
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("shopcue-collector simulate: {e}");
            ExitCode::FAILURE
        }
    }
}

/// How `config` is used, for `config --help` and a command it cannot run.
const CONFIG_USAGE: &str =
    "usage: shopcue-collector config check FILE...   list every problem of each raw config with its JSON path
                                               (exit 1 if any config has one)
       shopcue-collector config compile FILE   print its runtime config (what /shopcue/sites/SITE/config.json serves)
FILE - reads standard input; a file that cannot be read exits 2.";

/// `config check FILE...` / `config compile FILE` (`-`: standard input): the publishing side's
/// compiler, offline. Exit 0 when every config compiles, 1 with every problem of each, 2 for a
/// command it cannot run or a file it cannot read. `config --help` prints how it is used.
fn config_command(args: &[String]) -> ExitCode {
    let (verb, files) = match args {
        [help] if help == "--help" || help == "-h" => {
            println!("{CONFIG_USAGE}");
            return ExitCode::SUCCESS;
        }
        [verb, file] if verb == "compile" => (verb.as_str(), std::slice::from_ref(file)),
        [verb, files @ ..] if verb == "check" && !files.is_empty() => (verb.as_str(), files),
        _ => {
            eprintln!(
                "shopcue-collector config: expected `config check FILE...` or `config compile FILE`, got `{}`\n{CONFIG_USAGE}",
                ["config"].iter().copied().chain(args.iter().map(String::as_str)).collect::<Vec<_>>().join(" ")
            );
            return ExitCode::from(2);
        }
    };
    // The worst outcome of all the files: a file that could not be read (2), then problems (1).
    let mut worst = 0;
    for file in files {
        let read = if file == "-" { std::io::read_to_string(std::io::stdin()) } else { std::fs::read_to_string(file) };
        let text = match read {
            Ok(t) => t,
            Err(e) => {
                eprintln!("shopcue-collector: cannot read {file}: {e}");
                worst = 2;
                continue;
            }
        };
        match shopcue::config::parse_authored(&text).and_then(|raw| Ok((shopcue::config::compile(&raw)?, raw))) {
            Ok((runtime, _)) if verb == "compile" => println!("{}", runtime.to_json()),
            Ok((runtime, raw)) => {
                let n = shopcue::config::Config::from_value(&runtime).map_or(0, |c| c.scenarios.len());
                println!("{file}: ok ({n} scenario{})", if n == 1 { "" } else { "s" });
                // Nothing wrong, but nothing will show: a campaign over. Said, not refused.
                for w in shopcue::config::warnings(&raw, shopcue_collector::now_ms()) {
                    eprintln!("  warning: {}: {}", w.path, w.message);
                }
            }
            Err(e) => {
                eprintln!("{file}: {}", e.message_in(&text));
                worst = worst.max(1);
            }
        }
    }
    ExitCode::from(worst)
}

struct Args {
    listen: String,
    db: String,
    statics: Vec<PathBuf>,
    origins: Vec<String>,
    rate: f64,
    burst: f64,
    site_rate: f64,
    site_burst: f64,
    trusted_proxies: Vec<std::net::IpAddr>,
    read_timeout: f64,
    admin_token: Option<String>,
    login: Option<Login>,
}

/// The admin password's argon2 hash in file `path`.
fn login_file(path: &str) -> Result<Login, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the admin password file {path}: {e}"))?;
    Login::new(&text).map_err(|e| format!("{path}: {e}"))
}

/// `hash-password`: reads a password from stdin (one line) and prints its argon2 hash.
fn hash_password_command() -> ExitCode {
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line).is_err() || line.trim_end_matches(['\r', '\n']).len() < 12 {
        eprintln!("shopcue-collector hash-password: give a password of 12 characters or more on stdin");
        return ExitCode::from(2);
    }
    match shopcue_collector::session::hash_password(line.trim_end_matches(['\r', '\n'])) {
        Ok(hash) => {
            println!("{hash}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("shopcue-collector hash-password: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The admin token in file `path` (surrounding whitespace trimmed; at least 16 bytes).
fn token_file(path: &str) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the admin token file {path}: {e}"))?;
    token(text.trim(), path)
}

fn token(t: &str, from: &str) -> Result<String, String> {
    if t.len() < 16 {
        return Err(format!("the admin token from {from} is shorter than 16 bytes"));
    }
    Ok(t.to_string())
}

fn address(name: &str, v: &str) -> Result<std::net::IpAddr, String> {
    v.trim().parse().map_err(|_| format!("{name} must be an IP address, got \"{v}\""))
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
        statics: env("SHOPCUE_STATIC")
            .map(|s| s.split(':').filter(|d| !d.is_empty()).map(PathBuf::from).collect())
            .unwrap_or_default(),
        origins: env("SHOPCUE_ALLOW_ORIGINS").map(|s| s.split(',').map(str::to_string).collect()).unwrap_or_default(),
        rate: env("SHOPCUE_RATE").map_or(Ok(20.0), |v| number("SHOPCUE_RATE", &v))?,
        burst: env("SHOPCUE_BURST").map_or(Ok(100.0), |v| number("SHOPCUE_BURST", &v))?,
        site_rate: env("SHOPCUE_SITE_RATE").map_or(Ok(1000.0), |v| number("SHOPCUE_SITE_RATE", &v))?,
        site_burst: env("SHOPCUE_SITE_BURST").map_or(Ok(5000.0), |v| number("SHOPCUE_SITE_BURST", &v))?,
        trusted_proxies: env("SHOPCUE_TRUSTED_PROXIES")
            .map(|s| s.split(',').map(|a| address("SHOPCUE_TRUSTED_PROXIES", a)).collect::<Result<_, _>>())
            .transpose()?
            .unwrap_or_default(),
        read_timeout: env("SHOPCUE_READ_TIMEOUT").map_or(Ok(10.0), |v| number("SHOPCUE_READ_TIMEOUT", &v))?,
        admin_token: match (env("SHOPCUE_ADMIN_TOKEN_FILE"), env("SHOPCUE_ADMIN_TOKEN")) {
            (Some(file), _) => Some(token_file(&file)?),
            (None, Some(t)) => Some(token(t.trim(), "SHOPCUE_ADMIN_TOKEN")?),
            (None, None) => None,
        },
        login: match (env("SHOPCUE_ADMIN_PASSWORD_FILE"), env("SHOPCUE_ADMIN_PASSWORD_HASH")) {
            (Some(file), _) => Some(login_file(&file)?),
            (None, Some(hash)) => Some(Login::new(&hash).map_err(|e| format!("SHOPCUE_ADMIN_PASSWORD_HASH: {e}"))?),
            (None, None) => None,
        },
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
            "--site-rate" => args.site_rate = number("--site-rate", &value("--site-rate")?)?,
            "--site-burst" => args.site_burst = number("--site-burst", &value("--site-burst")?)?,
            "--trusted-proxy" => args.trusted_proxies.push(address("--trusted-proxy", &value("--trusted-proxy")?)?),
            "--read-timeout" => args.read_timeout = number("--read-timeout", &value("--read-timeout")?)?,
            "--admin-token-file" => args.admin_token = Some(token_file(&value("--admin-token-file")?)?),
            "--admin-password-file" => args.login = Some(login_file(&value("--admin-password-file")?)?),
            "--static" => statics_from_flags.push(PathBuf::from(value("--static")?)),
            "--allow-origin" => args.origins.push(value("--allow-origin")?),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !statics_from_flags.is_empty() {
        args.statics = statics_from_flags;
    }
    // A mistyped path would otherwise serve nothing from it, without a word.
    if let Some(missing) = args.statics.iter().find(|d| !d.is_dir()) {
        return Err(format!("--static {}: no such directory", missing.display()));
    }
    Ok(args)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match argv.first().map(String::as_str) {
        Some("config") => return config_command(&argv[1..]),
        Some("hash-password") => return hash_password_command(),
        Some("--version" | "-V") => {
            // What an operator checks before an upgrade: this release, and the runtime config
            // format its widget reads (configs published here are compiled to it).
            let format = shopcue::config::RUNTIME_FORMAT;
            println!("shopcue-collector {} (runtime config format {format})", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Some("simulate") => {
            // The PostgreSQL client blocks: off the async runtime.
            let args = argv[1..].to_vec();
            return std::thread::spawn(move || simulate_command(&args)).join().unwrap_or(ExitCode::FAILURE);
        }
        _ => {}
    }
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
    let opened = tokio::task::spawn_blocking(move || open_database(&db)).await.unwrap_or_else(|e| Err(e.to_string()));
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
    app.site_limiter = Arc::new(RateLimiter::new(args.site_rate, args.site_burst));
    app.trusted_proxies = Arc::new(args.trusted_proxies);
    app.admin_token = args.admin_token.map(Arc::new);
    app.login = args.login.map(Arc::new);
    // Every descriptor the system allows; connections stop being accepted well before the
    // last (the database, the static files and the listener need theirs).
    let fds = shopcue_collector::raise_fd_limit();
    app.max_connections = (fds.saturating_sub(256) as usize).clamp(64, 100_000);
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

/// The database `db` names: a `postgres://` URL, else a SQLite file (created if missing). Blocks.
fn open_database(db: &str) -> Result<Arc<dyn Database>, String> {
    if is_postgres_url(db) {
        Ok(Arc::new(PgStore::open(db)?))
    } else {
        Ok(Arc::new(SqliteStore::open(std::path::Path::new(db)).map_err(|e| e.to_string())?))
    }
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
