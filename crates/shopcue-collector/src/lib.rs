//! # shopcue-collector
//!
//! The reference collection endpoint for Shopcue beacons:
//!
//! - `POST /collect` — a batch `{"v":1,"site":…,"events":[…]}` (any content type; the widget
//!   sends `text/plain` to avoid CORS preflights). Replies `200` with counts only after the
//!   transaction holding it commits (group commit, [`commit`]); an event id already stored for
//!   the site is a duplicate, and so is a purchase of an order already stored
//!   ([`batch::order_key`]); `400` with the reason for a bad batch (a bad event costs only
//!   itself); `413` over 1 MiB (also after gzip decompression); `408` when the body is not
//!   received within 10 s (a connection that has not sent its headers within 10 s is closed);
//!   `429` with `Retry-After` when a client address floods (any site, valid or not) or a site
//!   is flooded from many; `503` when the database cannot commit (clients retry). Bodies are
//!   decoded on blocking threads, one per core at a time.
//! - `GET /healthz` — `200 ok` when the database answers.
//! - `GET /report?site=…&from=…&to=…&attribution_days=7&format=json|csv` — per scenario and
//!   variant: exposures, impressions, clicks, dismissals, conversions, CTR, CVR, uplift against
//!   the holdout with a 95 % interval; plus impressions and purchases per day. Needs the admin
//!   token ([`auth`]).
//!   Also orders, average order value and each variant's estimated incremental revenue, and the
//!   daily trend per scenario ([`analytics`]). Filtered by `device`, `visitor` (new or
//!   returning) and `channel` (where the visit came from) ([`segment`]). A split test's variants
//!   against each other: CVR and revenue per visitor against its baseline with sequential
//!   intervals, each one's chance to be best, and a verdict over the test's whole run
//!   ([`report::add_variant_comparisons`]).
//! - `GET /report/rf?site=…&from=…&to=…` — the RF table (recency × frequency; customer share,
//!   repeat rate, revenue share, each scenario's reach) as of `from` ([`analytics::rf`]).
//! - `GET /dashboard` — the same as charts, for people who do not write SQL (same credential).
//! - `GET /studio` — scenarios without JSON: preset gallery, forms, validation at the field,
//!   preview, publish, pause, versions (same credential; the publishing API in [`publish`]).
//! - Anything else — static files from the `--static` directories, first match wins (the demo
//!   store and the built widget).

pub mod analytics;
pub mod auth;
pub mod batch;
pub mod commit;
pub mod configs;
pub mod goal;
pub mod limit;
pub mod pg;
pub mod publish;
pub mod report;
pub mod rollup;
pub mod segment;
pub mod session;
pub mod simulate;
pub mod sqlite;
pub mod statics;
pub mod store;

use std::future::Future as _;
use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use shopcue::json::{object, Value};

use crate::batch::MAX_BODY_BYTES;
use crate::commit::GroupCommit;
use crate::limit::RateLimiter;
use crate::store::{Database, EventStore, Incoming, ReportQuery};

/// Shared server state.
#[derive(Clone)]
pub struct App {
    /// The event store (reads; writes go through `commit`).
    pub store: Arc<dyn EventStore>,
    /// Site configs and their versions, in the same database ([`publish`]).
    pub configs: Arc<dyn configs::ConfigStore>,
    /// The group-commit writer in front of `store`.
    pub commit: GroupCommit,
    /// Static directories, searched in order.
    pub statics: Arc<Vec<PathBuf>>,
    /// Origins allowed to read `/collect` replies cross-origin (`*` allows any).
    pub allowed_origins: Arc<Vec<String>>,
    /// Requests per client address, across sites, counted before the body is even decoded
    /// (a bad batch costs its sender like a good one).
    pub limiter: Arc<RateLimiter>,
    /// Batches per site from all addresses together: a flood spread over many addresses
    /// cannot take a site's whole database time.
    pub site_limiter: Arc<RateLimiter>,
    /// Request bodies being decoded at once (one per core): CPU work per request is bounded by
    /// the body limits, and the number of such requests in flight by this.
    pub decode_slots: Arc<tokio::sync::Semaphore>,
    /// Proxies whose `X-Forwarded-For` is believed (none by default: a client could write any
    /// address there). Behind a load balancer, name it, or every shopper shares its bucket.
    pub trusted_proxies: Arc<Vec<IpAddr>>,
    /// Time allowed to receive a request's headers, and then its body.
    pub read_timeout: Duration,
    /// The credential for analytics and publishing ([`auth`]); with neither this nor `login`:
    /// this machine only.
    pub admin_token: Option<Arc<String>>,
    /// The admin password's hash, for browser logins ([`session`]).
    pub login: Option<Arc<session::Login>>,
    /// Login attempts per client address: 5 a minute, bursts of 5 (argon2 makes each costly).
    pub login_limiter: Arc<RateLimiter>,
    /// Connections served at once; more wait to be accepted (never an accept error spin).
    pub max_connections: usize,
    /// How long a response may wait for a client that stopped reading before the connection
    /// is closed (a slow reader cannot hold a file and a slot forever).
    pub write_timeout: Duration,
    /// Live runtime configs as last read ([`publish::LiveCache`]): every shopper's page view
    /// asks for one, and the database is asked at most once a second per site.
    pub live: Arc<publish::LiveCache>,
}

impl App {
    /// An app over `store` with default limits: 20 requests/s per client address, bursts of
    /// 100; 1,000 batches/s per site, bursts of 5,000; no trusted proxy. Starts the
    /// group-commit writer thread.
    pub fn new(store: Arc<dyn Database>, statics: Vec<PathBuf>, allowed_origins: Vec<String>) -> App {
        App {
            commit: GroupCommit::start(store.clone()),
            configs: store.clone(),
            store,
            statics: Arc::new(statics),
            allowed_origins: Arc::new(allowed_origins),
            limiter: Arc::new(RateLimiter::new(20.0, 100.0)),
            site_limiter: Arc::new(RateLimiter::new(1000.0, 5000.0)),
            trusted_proxies: Arc::new(Vec::new()),
            decode_slots: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get),
            )),
            read_timeout: READ_TIMEOUT,
            admin_token: None,
            login: None,
            login_limiter: Arc::new(RateLimiter::new(5.0 / 60.0, 5.0)),
            max_connections: 10_000,
            write_timeout: WRITE_TIMEOUT,
            live: Arc::new(publish::LiveCache::default()),
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets requests in flight finish.
/// HTTP/1.1 with keep-alive; a connection that does not send its request headers within
/// `app.read_timeout` is closed (slow-loris), and the client address reaches the rate limiter.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let (read_timeout, write_timeout) = (app.read_timeout, app.write_timeout);
    let slots = Arc::new(tokio::sync::Semaphore::new(app.max_connections));
    let router = router(app);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        // A free slot first: at the cap, new connections wait in the listen backlog.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => match slot { Ok(s) => s, Err(_) => break },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => { tokio::time::sleep(Duration::from_millis(50)).await; continue; }
            },
            () = &mut shutdown => break,
        };
        let stream = WriteTimeout { inner: stream, limit: write_timeout, stalled: None };
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            tower_service::Service::call(&mut router.clone(), req)
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(read_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(slot);
        });
    }
    graceful.shutdown().await;
    Ok(())
}

/// A connection whose writes may not stall for longer than `limit` (reads are bounded by the
/// header and body timeouts already). Progress resets the clock: a slow reader is fine, one
/// that stopped reading is cut off.
struct WriteTimeout<S> {
    inner: S,
    limit: Duration,
    stalled: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<S> WriteTimeout<S> {
    fn watch<T>(&mut self, result: Poll<std::io::Result<T>>, cx: &mut Context<'_>) -> Poll<std::io::Result<T>> {
        if result.is_ready() {
            self.stalled = None;
            return result;
        }
        let limit = self.limit;
        let stalled = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::ErrorKind::TimedOut.into())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for WriteTimeout<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for WriteTimeout<S> {
    fn poll_write(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let result = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(result, cx)
    }

    fn poll_flush(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let result = std::pin::Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(result, cx)
    }

    fn poll_shutdown(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Raises this process's open-file limit to the hard limit (Linux and other Unixes) and returns
/// the limit now in force: with the usual 1,024, a thousand idle connections starve the database
/// and the static files of descriptors.
pub fn raise_fd_limit() -> u64 {
    #[cfg(unix)]
    {
        let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
                return 1024;
            }
            if limit.rlim_cur < limit.rlim_max {
                let raised = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    limit = raised;
                }
            }
        }
        #[allow(clippy::unnecessary_cast)] // rlim_t is u64 on Linux, not on every Unix
        let current = limit.rlim_cur as u64;
        current
    }
    #[cfg(not(unix))]
    {
        1024
    }
}

/// Largest body after gzip decompression.
pub const MAX_DECOMPRESSED_BYTES: usize = 4 * MAX_BODY_BYTES;
/// Default time allowed to receive a request's headers, and then its body.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a response may wait for a client that does not read ([`App::write_timeout`]).
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds the HTTP router.
pub fn router(app: App) -> Router {
    let routes = Router::new()
        .route("/collect", post(collect).options(preflight))
        .route("/healthz", get(healthz))
        .route("/report", get(report))
        .route("/report/rf", get(report_rf))
        .route("/dashboard", get(dashboard))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/api/session", get(session_info))
        .route("/api/sites", get(publish::sites))
        .route("/api/sites/{site}/config", axum::routing::put(publish::put_config).get(publish::get_config))
        .route("/api/sites/{site}/config/versions", get(publish::list_versions))
        .route("/api/sites/{site}/config/versions/{n}", get(publish::get_version))
        .route("/api/sites/{site}/config/diff", get(publish::diff_versions))
        .route("/api/sites/{site}/config/rollback", post(publish::rollback))
        .route("/api/sites/{site}/config/check", post(publish::check_config))
        .route("/api/presets", get(publish::presets))
        .route("/studio", get(studio))
        .route("/api/sites/{site}/audit", get(publish::audit))
        .route("/api/sites/{site}/reach", get(publish::reach))
        .route("/api/sites/{site}/preview", post(publish::preview))
        .route("/shopcue/sites/{site}/config.json", get(publish::live_config))
        .fallback(statics::serve)
        .with_state(app);
    // Around the routes as a whole: a route's `405` gets its `Allow` header only once it leaves
    // the route, so a layer of the routes' own would not see which methods the path takes.
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::map_response(method_not_allowed_says_why))
        .layer(axum::middleware::map_response(security_headers))
}

/// A `405` says in its body which methods the path takes (the router's own has no body): a
/// person who opens `/collect` in a browser, or a script that sends `DELETE …/config`, reads why.
async fn method_not_allowed_says_why(response: Response) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED || response.headers().contains_key(header::CONTENT_TYPE) {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let methods = allow.as_ref().and_then(|v| v.to_str().ok()).unwrap_or_default().replace(',', ", ");
    let mut reply = error_reply(StatusCode::METHOD_NOT_ALLOWED, &format!("method not allowed: this path takes {methods}"));
    if let Some(v) = allow {
        reply.headers_mut().insert(header::ALLOW, v);
    }
    reply
}

/// The collector's own pages and replies may not be framed, sniffed or made to load anything
/// else; the static files (a store's pages) may not be sniffed or framed by other origins.
async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    let kind = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let own = kind.starts_with("application/json") || kind.starts_with("text/csv") || h.contains_key(DASHBOARD_MARK);
    if own {
        h.remove(DASHBOARD_MARK);
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(header::CONTENT_SECURITY_POLICY, own_policy().clone());
    } else if !h.contains_key(header::X_FRAME_OPTIONS) {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    }
    response
}

/// The dashboard's page.
const DASHBOARD_HTML: &str = include_str!("dashboard.html");
/// The studio's page.
const STUDIO_HTML: &str = include_str!("studio.html");

/// The Content-Security-Policy of the collector's own pages and replies: the dashboard's and
/// the studio's own inline script, named by its SHA-256 (no other script runs, an injected one
/// included), with Trusted Types required (no text becomes markup or code: the pages build
/// their DOM from text nodes); their inline style; the collector's own API; and the playground
/// (a static page of this origin) in the studio's frame. Nothing else.
fn own_policy() -> &'static HeaderValue {
    static POLICY: std::sync::OnceLock<HeaderValue> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| {
        use sha2::Digest;
        let mut policy = String::from("default-src 'none'; script-src");
        for page in [DASHBOARD_HTML, STUDIO_HTML] {
            let script = page.split_once("<script>").and_then(|(_, rest)| rest.split_once("</script>")).map(|(s, _)| s);
            let digest = sha2::Sha256::digest(script.expect("the page has its inline script").as_bytes());
            policy.push_str(&format!(" 'sha256-{}'", auth::base64_encode(&digest)));
        }
        policy.push_str(
            "; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-src 'self'; frame-ancestors 'none'; \
             base-uri 'none'; form-action 'none'; require-trusted-types-for 'script'; trusted-types 'none'",
        );
        HeaderValue::from_str(&policy).expect("a header value")
    })
}

/// Marks the dashboard's response for [`security_headers`] (removed before it is sent).
const DASHBOARD_MARK: &str = "x-shopcue-own-page";

pub(crate) fn json_reply(status: StatusCode, v: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], v.to_json()).into_response()
}

pub(crate) fn error_reply(status: StatusCode, reason: &str) -> Response {
    json_reply(status, &object([("error", reason.into())]))
}

/// CORS for an origin of `--allow-origin` (the list, or `*`): `/collect`'s replies, and the
/// static files, so that a store on another origin can fetch the widget's wasm (and a raw
/// config) from this server. Never with credentials.
pub(crate) fn cors(app: &App, origin: Option<&HeaderValue>, mut resp: Response) -> Response {
    if app.allowed_origins.is_empty() {
        return resp;
    }
    let h = resp.headers_mut();
    // Whatever the request's origin: a cache must not hand one origin's reply to another.
    // Added to what the reply already varies on (a static file: Accept-Encoding).
    let vary = match h.get(header::VARY).and_then(|v| v.to_str().ok()) {
        Some(before) => HeaderValue::from_str(&format!("{before}, Origin")).ok(),
        None => Some(HeaderValue::from_static("Origin")),
    };
    if let Some(v) = vary {
        h.insert(header::VARY, v);
    }
    let allowed = |o: &&HeaderValue| o.to_str().is_ok_and(|o| app.allowed_origins.iter().any(|a| a == "*" || a == o));
    if let Some(origin) = origin.filter(allowed) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("Retry-After"));
    }
    resp
}

async fn preflight(State(app): State<App>, headers: HeaderMap) -> Response {
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("POST"));
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("Content-Type"));
    h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    cors(&app, headers.get(header::ORIGIN), resp)
}

async fn healthz(State(app): State<App>) -> Response {
    let store = app.store.clone();
    match tokio::task::spawn_blocking(move || store.healthy()).await {
        Ok(true) => (StatusCode::OK, "ok").into_response(),
        _ => (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response(),
    }
}

async fn collect(State(app): State<App>, req: Request) -> Response {
    let headers = req.headers().clone();
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let ip = peer.map_or_else(|| "unknown".to_string(), |p| client_address(p, &headers, &app.trusted_proxies).to_string());
    let reply = collect_inner(&app, &headers, &ip, req.into_body()).await;
    cors(&app, headers.get(header::ORIGIN), reply)
}

/// The shopper's address: the connection's, unless it comes from a trusted proxy; then the
/// right-most address in `X-Forwarded-For` that is not itself a trusted proxy (what the
/// nearest untrusted hop connected from — the left-most entries are whatever the client wrote).
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let hops = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(','));
    hops.rev().map_while(|h| h.trim().parse::<IpAddr>().ok()).find(|ip| !trusted.contains(ip)).unwrap_or(peer)
}

fn too_many(wait: u64, reason: &str) -> Response {
    let mut reply = error_reply(StatusCode::TOO_MANY_REQUESTS, reason);
    if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
        reply.headers_mut().insert(header::RETRY_AFTER, v);
    }
    reply
}

/// Gunzip (when sent gzip), UTF-8 and batch validation: CPU work on a stranger's bytes, done on
/// a blocking thread so that the async workers keep answering everyone else.
fn decode_body(bytes: &[u8], gzipped: bool, now_ms: i64) -> Result<batch::Batch, (StatusCode, String)> {
    let inflated;
    let bytes: &[u8] = if gzipped {
        inflated = gunzip(bytes).map_err(|(status, reason)| (status, reason.to_string()))?;
        &inflated
    } else {
        bytes
    };
    let text = std::str::from_utf8(bytes).map_err(|_| (StatusCode::BAD_REQUEST, "body is not UTF-8".to_string()))?;
    batch::decode(text, now_ms).map_err(|reason| (StatusCode::BAD_REQUEST, reason))
}

/// Inflates a gzip body, refusing to grow past [`MAX_DECOMPRESSED_BYTES`] (a gzip bomb).
fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, (StatusCode, &'static str)> {
    let mut out = Vec::new();
    let mut reader = flate2::read::GzDecoder::new(bytes).take(MAX_DECOMPRESSED_BYTES as u64 + 1);
    reader.read_to_end(&mut out).map_err(|_| (StatusCode::BAD_REQUEST, "body is not valid gzip"))?;
    if out.len() > MAX_DECOMPRESSED_BYTES {
        return Err((StatusCode::PAYLOAD_TOO_LARGE, "decompressed body over 4 MiB"));
    }
    Ok(out)
}

async fn collect_inner(app: &App, headers: &HeaderMap, ip: &str, body: Body) -> Response {
    let now_s = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
    // Before any work on the request: every request counts against its sender, good or bad.
    if let Err(wait) = app.limiter.take(ip, now_s) {
        return too_many(wait, "too many requests from this client; retry later");
    }
    let bytes: Bytes = match tokio::time::timeout(app.read_timeout, axum::body::to_bytes(body, MAX_BODY_BYTES)).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => return error_reply(StatusCode::PAYLOAD_TOO_LARGE, "body over 1 MiB (or unreadable)"),
        Err(_) => {
            let reason = format!("body not received within {} s", app.read_timeout.as_secs_f64());
            return error_reply(StatusCode::REQUEST_TIMEOUT, &reason);
        }
    };
    let gzipped = headers.get(header::CONTENT_ENCODING).is_some_and(|e| e.as_bytes().eq_ignore_ascii_case(b"gzip"));
    let header_text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let device = segment::Device::from_headers(header_text("user-agent"), header_text("sec-ch-ua-mobile"));
    let now = (now_s * 1000.0) as i64;
    // At most one decode per core at a time: the rest wait their turn, never the async workers.
    let Ok(_slot) = app.decode_slots.acquire().await else {
        return error_reply(StatusCode::SERVICE_UNAVAILABLE, "shutting down, retry later");
    };
    let batch = match tokio::task::spawn_blocking(move || decode_body(&bytes, gzipped, now)).await {
        Ok(Ok(b)) => b.sent_from(device),
        Ok(Err((status, reason))) => return error_reply(status, &reason),
        Err(_) => return error_reply(StatusCode::INTERNAL_SERVER_ERROR, "could not decode the body"),
    };
    let site = batch.events.first().map_or("", |e| e.site.as_str());
    if let Err(wait) = app.site_limiter.take(site, now_s) {
        return too_many(wait, "too many requests for this site; retry later");
    }
    let rejected = Value::Array(
        batch.rejected.iter().map(|(i, r)| object([("index", (*i as u32).into()), ("reason", r.as_str().into())])).collect(),
    );
    if batch.events.is_empty() {
        return json_reply(StatusCode::BAD_REQUEST, &object([("error", "no valid event".into()), ("rejected", rejected)]));
    }
    match app.commit.write(Incoming { events: batch.events, received_at: now }).await {
        Ok(w) => json_reply(
            StatusCode::OK,
            &object([
                ("accepted", (w.inserted as u32).into()),
                ("duplicates", (w.duplicates as u32).into()),
                ("rejected", rejected),
            ]),
        ),
        // Nothing was committed: the client keeps the batch and retries.
        _ => error_reply(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable, retry later"),
    }
}

/// The first parameter of `query` that is not one of `known` (a request refuses it).
pub(crate) fn unread_param<'a>(query: &'a str, known: &[&str]) -> Option<&'a str> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| pair.split_once('=').map_or(pair, |(k, _)| k))
        .find(|k| !known.contains(k))
}

/// Minimal `application/x-www-form-urlencoded` decoding of one query parameter.
pub(crate) fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == key).then(|| String::from_utf8_lossy(&statics::percent_decode_bytes(&v.replace('+', " "))).into_owned())
    })
}

/// A time bound: Unix ms or an ISO date/date-time (UTC), from 1970 to the year 2286.
fn time_param(query: &str, key: &str, default: i64) -> Result<i64, String> {
    match query_param(query, key) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .or_else(|| shopcue::time::parse_iso(&v, 0))
            .filter(|t| (0..=10_000_000_000_000).contains(t))
            .ok_or_else(|| format!("{key} must be Unix milliseconds or an ISO date from 1970 to 2286, got \"{v}\"")),
    }
}

/// `None` when the request may read analytics, else the 401 to answer.
/// How a request proved it is the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admin {
    /// The admin token.
    Token,
    /// A login session; writes also need its CSRF token.
    Session(session::Session),
    /// No credential is configured, and the request comes from this machine.
    ThisMachine,
}

/// Now, in Unix milliseconds.
///
/// ```
/// assert!(shopcue_collector::now_ms() > 1_700_000_000_000);
/// ```
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// How the request proves it is the admin, or the `401` to send (the reply itself: built once,
/// only on refusal).
#[allow(clippy::result_large_err)]
fn admin(app: &App, req: &Request) -> Result<Admin, Response> {
    let headers = req.headers();
    if app.admin_token.as_ref().is_some_and(|t| auth::presents_token(t, headers)) {
        return Ok(Admin::Token);
    }
    if let Some(login) = &app.login {
        let cookie = headers.get_all(header::COOKIE).iter().filter_map(|c| c.to_str().ok()).find_map(session::cookie_value);
        if let Some(s) = cookie.and_then(|c| login.check(c, now_ms())) {
            return Ok(Admin::Session(s));
        }
    }
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let client = peer.map(|p| client_address(p, headers, &app.trusted_proxies));
    if app.admin_token.is_none() && app.login.is_none() && auth::from_this_machine(client, headers) {
        return Ok(Admin::ThisMachine);
    }
    let reason = match (&app.admin_token, &app.login) {
        (None, None) => "analytics and publishing answer only on this machine until an admin token or password is set (SHOPCUE_ADMIN_TOKEN, SHOPCUE_ADMIN_PASSWORD_HASH)",
        (_, Some(_)) => "analytics and publishing need a login (POST /login) or the admin token (Authorization: Bearer <token>)",
        (Some(_), None) => "analytics and publishing need the admin token (Authorization: Bearer <token>, or as the password when the browser asks)",
    };
    let mut reply = error_reply(StatusCode::UNAUTHORIZED, reason);
    if app.admin_token.is_some() && app.login.is_none() {
        reply.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"Shopcue analytics\""));
    }
    Err(reply)
}

/// `None` when the request is the admin's ([`admin`]); otherwise the `401` to send.
fn refuse_admin(app: &App, req: &Request) -> Option<Response> {
    admin(app, req).err()
}

/// The sign-in page (`GET /login`): a form that posts to itself, its `?next=` kept; `shown`
/// names the hidden parts to show (what went wrong, or the collector's home: `GET /` with no
/// store's index to serve), `no_form` hides the form.
pub(crate) fn login_page(status: StatusCode, shown: &[&str], no_form: bool) -> Response {
    let mut html = include_str!("login.html").to_string();
    for id in shown {
        html = html.replacen(&format!("id=\"{id}\" role=\"alert\" hidden>"), &format!("id=\"{id}\" role=\"alert\">"), 1);
        html = html.replacen(&format!("id=\"{id}\" hidden>"), &format!("id=\"{id}\">"), 1);
    }
    if no_form {
        html = html.replacen("<form ", "<form hidden ", 1);
    }
    if shown.contains(&"home") {
        html = html.replacen("<title>Shopcue — sign in</title>", "<title>Shopcue collector</title>", 1);
    }
    let mut reply = (status, [(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response();
    reply.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    reply.headers_mut().insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    reply
}

/// `GET /login`: the sign-in page. Without an admin password, `404`: a page for a browser that
/// says how the dashboard opens instead (from this machine, or with the admin token), JSON for
/// anything else.
async fn login_form(State(app): State<App>, headers: HeaderMap) -> Response {
    if app.login.is_some() {
        return login_page(StatusCode::OK, &[], false);
    }
    let browser = headers.get_all(header::ACCEPT).iter().filter_map(|v| v.to_str().ok()).any(|v| v.contains("text/html"));
    if !browser {
        return error_reply(StatusCode::NOT_FOUND, NO_PASSWORD);
    }
    let how = if app.admin_token.is_some() { "token" } else { "this-machine" };
    login_page(StatusCode::NOT_FOUND, &["none", how], true)
}

/// What `/login` answers on a collector without an admin password.
const NO_PASSWORD: &str = "no admin password is configured (--admin-password-file)";

/// Where a sign-in goes next: a path on this collector (`?next=`), else the dashboard.
fn next_path(query: &str) -> String {
    query_param(query, "next")
        .filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') && !n.chars().any(char::is_control))
        .unwrap_or_else(|| "/dashboard".into())
}

/// `POST /login` with the admin password, as a form field (the sign-in page: `303` to `?next=`,
/// or the page again with what went wrong) or a JSON member `password` (`{"csrf", "expires_at"}`).
/// Either sets the session cookie. `429` after 5 tries a minute per address.
async fn login(State(app): State<App>, req: Request) -> Response {
    let Some(login) = app.login.clone() else {
        return error_reply(StatusCode::NOT_FOUND, NO_PASSWORD);
    };
    let form = req
        .headers()
        .get_all(header::CONTENT_TYPE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("application/x-www-form-urlencoded"));
    let next = next_path(req.uri().query().unwrap_or_default());
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let ip = peer.map_or_else(|| "unknown".to_string(), |p| client_address(p, req.headers(), &app.trusted_proxies).to_string());
    if let Err(retry_s) = app.login_limiter.take(&ip, now_ms() as f64 / 1000.0) {
        let mut reply = if form {
            login_page(StatusCode::TOO_MANY_REQUESTS, &["busy"], false)
        } else {
            error_reply(StatusCode::TOO_MANY_REQUESTS, "too many login attempts; wait a minute")
        };
        reply.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_s));
        return reply;
    }
    let Ok(body) = axum::body::to_bytes(req.into_body(), 4096).await else {
        return error_reply(StatusCode::PAYLOAD_TOO_LARGE, "a login is at most 4 KiB");
    };
    let text = String::from_utf8_lossy(&body).into_owned();
    let password = match shopcue::json::parse(&text) {
        Ok(v) if !form => v.get("password").and_then(Value::as_str).map(str::to_string),
        _ => query_param(&text, "password"),
    };
    let Some(password) = password else { return error_reply(StatusCode::BAD_REQUEST, "password is required") };
    let checking = login.clone();
    let checked = tokio::task::spawn_blocking(move || checking.verify(&password).then(|| checking.issue(now_ms())));
    let (cookie, s) = match checked.await {
        Ok(Some(Ok(issued))) => issued,
        Ok(None) if form => return login_page(StatusCode::UNAUTHORIZED, &["wrong"], false),
        Ok(None) => return error_reply(StatusCode::UNAUTHORIZED, "wrong password"),
        _ => return error_reply(StatusCode::SERVICE_UNAVAILABLE, "try again"),
    };
    let mut reply = if form {
        let mut r = StatusCode::SEE_OTHER.into_response();
        if let Ok(v) = HeaderValue::from_str(&next) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        r
    } else {
        json_reply(StatusCode::OK, &object([("csrf", login.csrf(&s).into()), ("expires_at", Value::Number(s.expires as f64))]))
    };
    let set = format!("{}={cookie}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}", session::COOKIE, session::SESSION_MS / 1000);
    if let Ok(v) = HeaderValue::from_str(&set) {
        reply.headers_mut().insert(header::SET_COOKIE, v);
    }
    reply
}

/// `POST /logout`: forgets the session cookie.
async fn logout() -> Response {
    let mut reply = json_reply(StatusCode::OK, &object([("logged_out", true.into())]));
    let clear = format!("{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", session::COOKIE);
    if let Ok(v) = HeaderValue::from_str(&clear) {
        reply.headers_mut().insert(header::SET_COOKIE, v);
    }
    reply
}

/// `GET /api/session`: how this request is the admin, and for a login its CSRF token.
async fn session_info(State(app): State<App>, req: Request) -> Response {
    match admin(&app, &req) {
        Ok(Admin::Session(s)) => {
            let csrf = app.login.as_ref().map(|l| l.csrf(&s)).unwrap_or_default();
            json_reply(
                StatusCode::OK,
                &object([("via", "login".into()), ("csrf", csrf.into()), ("expires_at", Value::Number(s.expires as f64))]),
            )
        }
        Ok(Admin::Token) => json_reply(StatusCode::OK, &object([("via", "token".into())])),
        Ok(Admin::ThisMachine) => json_reply(StatusCode::OK, &object([("via", "this machine".into())])),
        Err(refused) => refused,
    }
}

/// The scope every analytics request shares: `site`, `from`, `to` (defaults: the last 30
/// days), the segment filter (`device`, `visitor`, `channel`), and whether CSV was asked for.
struct Scope {
    site: String,
    from: i64,
    to: i64,
    segment: segment::Filter,
    query: String,
}

impl Scope {
    /// The parameters every analytics request reads.
    const PARAMS: [&'static str; 7] = ["site", "from", "to", "device", "visitor", "channel", "format"];

    /// The scope of an analytics request from the admin, or the reply that refuses it (`401`
    /// without the credential, `400` for a bad parameter). `own`: the other parameters this
    /// request reads; any other is refused, as `days=7` read silently as the last 30 days
    /// would give figures of a period nobody asked for.
    #[allow(clippy::result_large_err)]
    fn read(app: &App, req: &Request, own: &[&str]) -> Result<Scope, Response> {
        admin(app, req)?;
        let query = req.uri().query().unwrap_or_default().to_string();
        let known: Vec<&str> = Scope::PARAMS.iter().chain(own).copied().collect();
        if let Some(name) = unread_param(&query, &known) {
            let said = format!(
                "unknown parameter \"{name}\".{} This report reads {} (the period: from and to, as Unix milliseconds or ISO dates; the last 30 days by default)",
                shopcue::suggest::hint(name, &known),
                known.join(", ")
            );
            return Err(error_reply(StatusCode::BAD_REQUEST, &said));
        }
        if let Some(f) = query_param(&query, "format").filter(|f| f != "json" && f != "csv") {
            return Err(error_reply(StatusCode::BAD_REQUEST, &format!("format must be json or csv, not \"{f}\"")));
        }
        let site = match query_param(&query, "site") {
            Some(s) if s.contains('\0') || s.len() > 100 => {
                return Err(error_reply(StatusCode::BAD_REQUEST, "site must be 1 to 100 bytes without NUL"))
            }
            Some(s) if !s.is_empty() => s,
            _ => return Err(error_reply(StatusCode::BAD_REQUEST, "site is required: /report?site=…")),
        };
        let now = now_ms();
        let bounds =
            time_param(&query, "from", now - 30 * 86_400_000).and_then(|f| Ok((f, time_param(&query, "to", now + 86_400_000)?)));
        let (from, to) = bounds.map_err(|e| error_reply(StatusCode::BAD_REQUEST, &e))?;
        if from >= to {
            // An empty period would answer "nothing happened", which is not what was asked.
            let (from, to) = (analytics::utc_date(from), analytics::utc_date(to));
            let said = format!("from must be before to: the period from {from} to {to} (UTC) is empty");
            return Err(error_reply(StatusCode::BAD_REQUEST, &said));
        }
        let param = |name: &str| query_param(&query, name);
        let segment =
            segment::Filter::parse(param("device").as_deref(), param("visitor").as_deref(), param("channel").as_deref())
                .map_err(|e| error_reply(StatusCode::BAD_REQUEST, &e))?;
        Ok(Scope { site, from, to, segment, query })
    }

    fn csv(&self) -> bool {
        query_param(&self.query, "format").as_deref() == Some("csv")
    }
}

/// A CSV download named for what it holds: `shopcue-demo-store-daily-2026-11-05-2026-12-04.csv`
/// (the site's characters outside `A-Z a-z 0-9 . _ -` as `_`; the period's last day included).
fn csv_reply(scope: &Scope, name: &str, body: String) -> Response {
    let site: String = scope.site.chars().map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' }).collect();
    let (from, to) = (analytics::utc_date(scope.from), analytics::utc_date(scope.to - 1));
    let disposition = format!("attachment; filename=shopcue-{site}-{name}-{from}-{to}.csv");
    let mut r = (StatusCode::OK, [(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

async fn report(State(app): State<App>, req: Request) -> Response {
    let scope = match Scope::read(&app, &req, &["attribution_days", "table"]) {
        Ok(s) => s,
        Err(bad) => return bad,
    };
    let days = match query_param(&scope.query, "attribution_days").map(|d| d.parse::<f64>()) {
        None => 7.0,
        Some(Ok(d)) if (0.0..=90.0).contains(&d) => d,
        Some(_) => return error_reply(StatusCode::BAD_REQUEST, "attribution_days must be a number from 0 to 90"),
    };
    let table = query_param(&scope.query, "table").unwrap_or_else(|| "scenarios".into());
    if !matches!(table.as_str(), "scenarios" | "daily" | "scenario_daily" | "channels") {
        return error_reply(StatusCode::BAD_REQUEST, "table must be scenarios, daily, scenario_daily or channels");
    }
    let (site, from, to) = (scope.site.clone(), scope.from, scope.to);
    let q = ReportQuery { site: site.clone(), from, to, window_ms: (days * 86_400_000.0) as i64, segment: scope.segment };
    let (store, configs) = (app.store.clone(), app.configs.clone());
    let result = tokio::task::spawn_blocking(move || {
        let purchases = analytics::load_purchases(&*store, &q.site, q.from, q.to, &q.segment)?;
        let scenario_daily = analytics::load_scenario_daily(&*store, &q.site, q.from, q.to, &q.segment)?;
        let rows = store.report(&q)?;
        let srm = srm_bases(&*store, &*configs, &q, &rows)?;
        // The live config names each split test's variants in order: its first is the baseline.
        let live = configs.live(&q.site)?.and_then(|(_, runtime)| shopcue::config::Config::parse(&runtime).ok());
        let tests = match &live {
            Some(live) => split_tests(&*store, &*configs, &q, live)?,
            None => Vec::new(),
        };
        let revenue = split_test_revenue(&*store, &q, &rows)?;
        let sessions = analytics::load_sessions(&*store, &q.site, q.from, q.to, &q.segment)?;
        let channels = analytics::channels(&purchases, &sessions.by_segment, q.from, q.to);
        let orders = analytics::orders(&purchases, q.from, q.to);
        let daily = store.daily(&q)?;
        Ok::<_, String>((rows, daily, sessions.by_day, orders, channels, scenario_daily, srm, live, tests, revenue))
    })
    .await;
    let (rows, daily, session_daily, orders, channels, scenario_daily, srm, live, tests, revenue) = match result {
        Ok(Ok(r)) => r,
        _ => return error_reply(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable, retry later"),
    };
    let mut body = report::to_json(&site, from, to, days, &rows, orders.aov());
    report::add_srm(&mut body, &srm);
    report::add_variant_comparisons(&mut body, &rows, live.as_ref(), &tests);
    report::add_revenue_per_visitor(&mut body, &revenue, &tests);
    body.set("segment", scope.segment.to_json());
    // Visits that began in the period, and orders per visit.
    let sessions: u64 = channels.iter().map(|c| c.sessions).sum();
    let rate = |orders: u64, sessions: u64| analytics::conversion_rate(orders, sessions).map_or(Value::Null, Value::Number);
    body.set("sessions", (sessions as f64).into());
    body.set(
        "orders",
        object([
            ("count", (orders.count as f64).into()),
            ("revenue", analytics::money(orders.revenue)),
            ("aov", orders.aov().map_or(Value::Null, analytics::money)),
            ("conversion_rate", rate(orders.count, sessions)),
        ]),
    );
    // The same visits and orders by the channel of the visit (null: its events said none).
    let channels: Vec<Value> = channels
        .iter()
        .map(|c| {
            object([
                ("channel", c.channel.map_or(Value::Null, |c| c.as_str().into())),
                ("sessions", (c.sessions as f64).into()),
                ("orders", (c.orders.count as f64).into()),
                ("conversion_rate", rate(c.orders.count, c.sessions)),
                ("revenue", analytics::money(c.orders.revenue)),
                ("aov", c.orders.aov().map_or(Value::Null, analytics::money)),
            ])
        })
        .collect();
    // Per day: impressions and purchases, and the visits that began that day.
    let mut by_day: std::collections::BTreeMap<&str, [u64; 3]> = Default::default();
    for d in &daily {
        by_day.insert(&d.date, [d.impressions, d.purchases, 0]);
    }
    for (date, n) in &session_daily {
        by_day.entry(date).or_default()[2] = *n;
    }
    let daily: Vec<Value> = by_day
        .iter()
        .map(|(date, [impressions, purchases, sessions])| {
            object([
                ("date", (*date).into()),
                ("impressions", (*impressions as f64).into()),
                ("purchases", (*purchases as f64).into()),
                ("sessions", (*sessions as f64).into()),
            ])
        })
        .collect();
    // Every day of the period up to today, a quiet one as zeros, in the JSON and in the CSVs.
    let (period, today) = (rollup::days(from, to), now_ms().div_euclid(rollup::DAY_MS));
    let daily = analytics::every_day(daily, period, today, None, &["impressions", "purchases", "sessions"]);
    let scenario_daily =
        analytics::every_day(scenario_daily, period, today, Some("scenario_id"), &["impressions", "clicks", "exposed"]);
    if scope.csv() {
        return match table.as_str() {
            "daily" => {
                csv_reply(&scope, "daily", analytics::rows_to_csv(&["date", "sessions", "impressions", "purchases"], &daily))
            }
            "channels" => csv_reply(
                &scope,
                "channels",
                analytics::rows_to_csv(&["channel", "sessions", "orders", "conversion_rate", "revenue", "aov"], &channels),
            ),
            "scenario_daily" => csv_reply(
                &scope,
                "scenario-daily",
                analytics::rows_to_csv(&["date", "scenario_id", "impressions", "clicks", "exposed"], &scenario_daily),
            ),
            _ => csv_reply(&scope, "report", report::to_csv(&body)),
        };
    }
    body.set("channels", Value::Array(channels));
    body.set("daily", Value::Array(daily));
    body.set("scenario_daily", Value::Array(scenario_daily));
    json_reply(StatusCode::OK, &body)
}

/// How many published versions, newest first, the sample-ratio checks of a report go back.
const SRM_VERSIONS: usize = 12;

/// What the sample-ratio checks of `q`'s report read ([`report::add_srm`]): for each published
/// version (newest first, at most [`SRM_VERSIONS`]) with a whole UTC day under it inside the
/// period, its config and the report's rows for the visitors first exposed on those days (the
/// report's own `rows` when they are the period's). The day a version was published mixes two
/// versions and is left out; so is a version whose runtime config no longer reads.
fn srm_bases(
    store: &dyn EventStore,
    configs: &dyn configs::ConfigStore,
    q: &ReportQuery,
    rows: &[report::Row],
) -> Result<Vec<report::SrmBasis>, String> {
    let day = |t: i64| t.div_euclid(rollup::DAY_MS) * rollup::DAY_MS;
    let mut bases = Vec::new();
    let mut next_published = q.to; // the start of the day the newer version went live
    for version in configs.versions(&q.site)?.into_iter().take(SRM_VERSIONS) {
        let published = day(version.created_at);
        let (since, until) = ((published + rollup::DAY_MS).max(q.from), next_published.min(q.to));
        next_published = published;
        if since < until {
            let Some((_, _, runtime)) = configs.version(&q.site, version.version)? else { continue };
            let Ok(config) = shopcue::config::Config::parse(&runtime) else { continue };
            let rows = match (since == q.from, until == q.to) {
                (true, true) => rows.to_vec(),
                _ => store.report(&ReportQuery { from: since, to: until, ..q.clone() })?,
            };
            bases.push(report::SrmBasis { config, version: version.version, since, until, rows });
        }
        if published <= q.from {
            break; // the versions before it were live before the period
        }
    }
    Ok(bases)
}

/// Revenue per visitor of each variant of the split tests in `rows` (scenarios that showed two
/// variants or more in the period; [`analytics::revenue_per_visitor`]).
fn split_test_revenue(store: &dyn EventStore, q: &ReportQuery, rows: &[report::Row]) -> Result<analytics::SplitRevenue, String> {
    let mut split: Vec<&str> = Vec::new();
    for r in rows {
        if !split.contains(&r.scenario_id.as_str()) && report::shown_variants(rows, &r.scenario_id).len() >= 2 {
            split.push(&r.scenario_id);
        }
    }
    if split.is_empty() {
        return Ok(Vec::new());
    }
    analytics::revenue_per_visitor(store, q, &split, &counted_purchases(store, q)?)
}

/// The purchases that count toward the spend of visitors first exposed in `q`'s period: made
/// within the attribution window after it, in any segment (a visitor counts where their first
/// exposure was).
fn counted_purchases(store: &dyn EventStore, q: &ReportQuery) -> Result<Vec<analytics::Purchase>, String> {
    analytics::load_purchases(store, &q.site, q.from, q.to + q.window_ms, &segment::Filter::default())
}

/// Most versions walked back to find when a split test began.
const TEST_VERSIONS: usize = 50;

/// Each split test of the `live` config with the figures of its whole run up to the report's
/// end (`q.to`): from the UTC day of the oldest version in the unbroken run of versions, back
/// from the live one (at most [`TEST_VERSIONS`]), that gives the scenario the same variants with
/// the same weights (messages aside: a typo fixed in one does not restart the test). Its verdict
/// reads that run, however the report's period is chosen: a sequential test holds for one
/// sample read as it grows, not for a window sliding over it. New weights start a new run, as
/// GrowthBook starts a new phase: days split 50/50 pooled with days split 90/10 weigh each
/// variant's days differently, and a conversion rate that moves over time (a sale week) then
/// favours the variant that had more of the good days.
fn split_tests(
    store: &dyn EventStore,
    configs: &dyn configs::ConfigStore,
    q: &ReportQuery,
    live: &shopcue::config::Config,
) -> Result<Vec<report::SplitTest>, String> {
    // A scenario's split: its variant ids with their shares (in millionths, against float noise).
    type Split = Vec<(String, i64)>;
    let split = |s: &shopcue::config::Scenario| {
        let mut split: Split = s.variants.iter().map(|(id, share, _)| (id.clone(), (share * 1e6).round() as i64)).collect();
        split.sort();
        split
    };
    // (scenario, its split, the day its run began, still running back through versions)
    let mut tests: Vec<(String, Split, i64, bool)> =
        live.scenarios.iter().filter(|s| s.variants.len() >= 2).map(|s| (s.id.clone(), split(s), q.to, true)).collect();
    for version in configs.versions(&q.site)?.into_iter().take(TEST_VERSIONS) {
        if !tests.iter().any(|t| t.3) {
            break;
        }
        let config = configs.version(&q.site, version.version)?.and_then(|(_, _, rt)| shopcue::config::Config::parse(&rt).ok());
        for (id, variants, began, running) in tests.iter_mut().filter(|t| t.3) {
            let same =
                config.as_ref().and_then(|c| c.scenarios.iter().find(|s| s.id == *id)).is_some_and(|s| split(s) == *variants);
            if same {
                *began = version.created_at.div_euclid(rollup::DAY_MS) * rollup::DAY_MS;
            } else {
                *running = false;
            }
        }
    }
    let tests: Vec<_> = tests.into_iter().filter(|t| t.2 < q.to).collect();
    let mut out = Vec::new();
    // One read per start day: the run's rows, and the spend of the tests that began that day.
    let mut read: Vec<(i64, Vec<report::Row>, analytics::SplitRevenue)> = Vec::new();
    for (id, variants, began, _) in &tests {
        let i = match read.iter().position(|(b, ..)| b == began) {
            Some(i) => i,
            None => {
                let run = ReportQuery { from: *began, to: q.to, ..q.clone() };
                let ids: Vec<&str> = tests.iter().filter(|t| t.2 == *began).map(|t| t.0.as_str()).collect();
                let revenue = analytics::revenue_per_visitor(store, &run, &ids, &counted_purchases(store, &run)?)?;
                read.push((*began, store.report(&run)?, revenue));
                read.len() - 1
            }
        };
        let listed = |v: &str| variants.iter().any(|(w, _)| w == v);
        let rows = read[i].1.iter().filter(|r| r.scenario_id == *id && listed(&r.variant)).cloned().collect();
        let spent = read[i].2.iter().find(|(s, _)| s == id).map_or(&[][..], |(_, r)| r.as_slice());
        let revenue = spent.iter().filter(|(v, _)| listed(v)).cloned().collect();
        out.push(report::SplitTest { scenario_id: id.clone(), since: *began, until: q.to.min(now_ms()), rows, revenue });
    }
    Ok(out)
}

/// `GET /report/rf?site=…&from=…&to=…[&format=csv]`: the RF table as of `from`, with repeat
/// purchases and scenario reach in `[from, to)` ([`analytics::rf`]).
async fn report_rf(State(app): State<App>, req: Request) -> Response {
    // The dashboard asks it with the scenario table's query: an attribution window, which
    // the RF table has no use for, is accepted and left aside.
    let scope = match Scope::read(&app, &req, &["attribution_days"]) {
        Ok(s) => s,
        Err(bad) => return bad,
    };
    let (site, from, to) = (scope.site.clone(), scope.from, scope.to);
    // A customer's recency and frequency are their history: new vs returning (a split by
    // history itself) does not apply, nor does the channel of each visit (a customer's second
    // order, from a newsletter, would make their first, from a search, vanish from their
    // frequency); the device class does, to every purchase and exposure.
    let segment = segment::Filter { visit: None, channel: None, ..scope.segment };
    let store = app.store.clone();
    let result = tokio::task::spawn_blocking(move || {
        let purchases = analytics::load_purchases(&*store, &site, 0, to, &segment)?;
        let reached = analytics::load_reached(&*store, &site, from, to, &segment)?;
        Ok::<_, String>(analytics::rf(&purchases, from, to, &reached))
    })
    .await;
    let table = match result {
        Ok(Ok(t)) => t,
        _ => return error_reply(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable, retry later"),
    };
    if scope.csv() {
        return csv_reply(&scope, "rf", table.to_csv());
    }
    let mut body = table.to_json();
    body.set("site", scope.site.as_str().into());
    body.set("segment", segment.to_json());
    json_reply(StatusCode::OK, &body)
}

async fn dashboard(State(app): State<App>, req: Request) -> Response {
    own_page(&app, &req, DASHBOARD_HTML)
}

/// `GET /studio`: scenarios without JSON (preset gallery, forms, preview, publish, versions).
async fn studio(State(app): State<App>, req: Request) -> Response {
    own_page(&app, &req, STUDIO_HTML)
}

/// One of the collector's own pages, for the admin; a browser without a session is sent to the
/// sign-in page (and back) when a password is set up.
fn own_page(app: &App, req: &Request, html: &'static str) -> Response {
    if let Some(refused) = refuse_admin(app, req) {
        if app.login.is_some() {
            let here = req.uri().path_and_query().map_or("/dashboard", |p| p.as_str());
            let mut to = String::from("/login?next=");
            for b in here.bytes() {
                if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
                    to.push(char::from(b));
                } else {
                    to.push_str(&format!("%{b:02X}"));
                }
            }
            let mut r = StatusCode::SEE_OTHER.into_response();
            if let Ok(v) = HeaderValue::from_str(&to) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            return r;
        }
        return refused;
    }
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::HeaderName::from_static(DASHBOARD_MARK), "1")], html)
        .into_response()
}

/// `true` for methods the static handler answers.
pub fn is_read(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}
