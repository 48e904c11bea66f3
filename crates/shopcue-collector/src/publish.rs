//! The publishing API (the control plane) and the live runtime config that shoppers load.
//!
//! Admin routes (the admin credential, [`crate::auth`]; writes also refuse cross-site
//! requests, so that a browser's remembered Basic credential cannot be replayed by another site):
//!
//! - `PUT /api/sites/{site}/config?author=…&note=…` — the raw config JSON as the body. Checked
//!   and compiled ([`shopcue::config::compile`]): `422` with every problem and its JSON path
//!   (nothing changes), else `201` with the new version, live at once — or `200` with the live
//!   version and `"unchanged": true` when that is what it would publish (nothing changes).
//!   With `If-Match: <the ETag of the version the change was made to>` (as the studio sends),
//!   `412` when another version went live since: nobody's publish silently undoes another's.
//! - `GET /api/sites/{site}/config` — the live version and its raw config.
//! - `GET /api/sites/{site}/config/versions` — every version, newest first.
//! - `GET /api/sites/{site}/config/versions/{n}` — one version, raw and runtime.
//! - `GET /api/sites/{site}/config/diff?from=a&to=b` — a line diff of the two raw configs.
//! - `POST /api/sites/{site}/config/rollback?version=k&author=…&note=…` — publishes version
//!   k's config again, as the next version (`If-Match` as for `PUT`).
//! - `GET /api/sites/{site}/audit` — publishes, rollbacks, refused publishes, preview links.
//! - `GET /api/sites/{site}/reach?goal=…` — the paths visitors reached in the last 30 days, and
//!   how often a goal was reached: the page views a page goal matches, the events of a name
//!   ([`reach`]).
//! - `POST /api/sites/{site}/preview?ttl_s=3600` — a draft (raw config) for a preview link:
//!   `201` with a token; `?shopcue_preview=<token>` on the store's pages shows it to that
//!   browser, which counts nothing. `page` is a store page to open with it: the latest page
//!   view that reached this collector on the origin most of the site's recent ones came from
//!   ([`latest_page`]), else `/` when this collector serves a store's files (`--static`, as
//!   `./x demo` does), else `null`.
//!
//! Public: `GET /shopcue/sites/{site}/config.json` — the live runtime config, with a strong
//! ETag (`304` on `If-None-Match`) and `Cache-Control: max-age=60, stale-while-revalidate=600`;
//! `?preview=<token>` serves a draft instead (never cached).

// Every helper here returns the reply to send on failure: one 128-byte `Response` per request,
// moved once, which is what the handlers answer with anyway.
#![allow(clippy::result_large_err)]

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use shopcue::json::{object, Value};

use crate::configs::{diff, etag, pretty, AuditEntry, NewVersion, Published, Version};
use crate::{error_reply, json_reply, now_ms, query_param, App};

/// How long a live config read from the database is served from memory. A publish or rollback
/// through this collector is in force at once; through another collector, within this time.
pub const LIVE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// The live configs this collector read lately, by site: a page view costs a hash lookup, not a
/// database read (which a long report on the read connection could hold up).
#[derive(Default)]
pub struct LiveCache {
    sites: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Option<Live>)>>,
}

/// A site's live version: its ETag and runtime text (`None` in the cache: nothing published).
pub type Live = (String, std::sync::Arc<String>);

impl LiveCache {
    /// The live config of `site` if read within [`LIVE_TTL`].
    fn get(&self, site: &str) -> Option<Option<Live>> {
        let sites = self.sites.lock().unwrap_or_else(|p| p.into_inner());
        sites.get(site).filter(|(at, _)| at.elapsed() < LIVE_TTL).map(|(_, live)| live.clone())
    }

    fn put(&self, site: &str, live: Option<Live>) {
        let mut sites = self.sites.lock().unwrap_or_else(|p| p.into_inner());
        if sites.len() > 10_000 {
            sites.retain(|_, (at, _)| at.elapsed() < LIVE_TTL);
        }
        sites.insert(site.to_string(), (std::time::Instant::now(), live));
    }

    /// Forgets `site` (it was just published or rolled back here).
    fn forget(&self, site: &str) {
        self.sites.lock().unwrap_or_else(|p| p.into_inner()).remove(site);
    }
}

/// Largest config accepted (raw JSON text).
pub const MAX_CONFIG_BYTES: usize = 1024 * 1024;
/// Longest a preview link lives (and its default: one hour).
pub const MAX_PREVIEW_S: i64 = 7 * 86_400;

/// A site id as it may appear in a path: 1–100 of `A–Z a–z 0–9 . _ -`.
fn valid_site(site: &str) -> bool {
    (1..=100).contains(&site.len()) && site.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// Who did it, for the audit log: the author given and the client address.
fn actor(app: &App, req_headers: &HeaderMap, peer: Option<std::net::IpAddr>, author: &str) -> String {
    let address = peer.map(|p| crate::client_address(p, req_headers, &app.trusted_proxies).to_string());
    format!("{author} ({})", address.as_deref().unwrap_or("unknown address"))
}

/// The admin check for every route here, plus, for writes, CSRF checks: a request that a browser
/// marks cross-site, or whose `Origin` is not this collector, is refused, and one made with a
/// login cookie must carry the session's `X-CSRF-Token`.
fn refuse(app: &App, req: &Request, write: bool) -> Option<Response> {
    let via = match crate::admin(app, req) {
        Ok(via) => via,
        Err(refused) => return Some(refused),
    };
    let h = req.headers();
    if let (true, crate::Admin::Session(s), Some(login)) = (write, &via, &app.login) {
        let sent = h.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
        if !crate::auth::constant_time_eq(sent.as_bytes(), login.csrf(s).as_bytes()) {
            return Some(error_reply(
                StatusCode::FORBIDDEN,
                "a write with a login session needs its X-CSRF-Token (GET /api/session)",
            ));
        }
    }
    let cross_site = h.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|v| v == "cross-site");
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let foreign_origin = h
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|o| o.split_once("://").map(|(_, rest)| rest) != Some(host));
    (write && (cross_site || foreign_origin))
        .then(|| error_reply(StatusCode::FORBIDDEN, "cross-site requests may not change configs"))
}

fn site_or_400(site: &str) -> Result<(), Response> {
    if valid_site(site) {
        Ok(())
    } else {
        Err(error_reply(StatusCode::BAD_REQUEST, "site must be 1 to 100 of A-Z a-z 0-9 . _ -"))
    }
}

/// Runs blocking store work off the async runtime; a store error is a `503`.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, String> + Send + 'static) -> Result<T, Response> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            eprintln!("shopcue-collector: config store: {e}");
            Err(error_reply(StatusCode::SERVICE_UNAVAILABLE, "the database is unavailable; try again"))
        }
        Err(_) => Err(error_reply(StatusCode::SERVICE_UNAVAILABLE, "try again")),
    }
}

/// Checks and compiles a raw config for `site`: the runtime config's text, or every problem.
pub fn compile_for(site: &str, raw: &Value) -> Result<String, shopcue::Error> {
    let runtime = shopcue::config::compile(raw)?;
    match runtime.get("site").and_then(Value::as_str) {
        Some(s) if s == site => Ok(runtime.to_json()),
        other => Err(shopcue::Error::InvalidConfig(vec![shopcue::Problem::new(
            "$.site",
            format!("is {}, but this is the config of site \"{site}\"", other.map_or("missing".into(), |s| format!("\"{s}\""))),
        )])),
    }
}

/// A stored runtime config as this release's widget reads it. One compiled by another release
/// (its `"runtime"` format is not [`shopcue::config::RUNTIME_FORMAT`]) is compiled again from
/// the raw config stored beside it, so that upgrading Shopcue never leaves a live site, or a
/// rollback, on a config its widget refuses. `None` when it is current, or when its raw config
/// no longer compiles: then it is served as stored (the widget says why), and this is logged.
pub fn recompiled(site: &str, raw: &str, runtime: &str) -> Option<String> {
    if current(runtime) {
        return None;
    }
    match shopcue::json::parse(raw).and_then(|raw| compile_for(site, &raw)) {
        Ok(text) => Some(text),
        Err(e) => {
            eprintln!("shopcue-collector: the live config of {site} was compiled by another release and no longer compiles: {e}");
            None
        }
    }
}

/// Whether `runtime` is in the format this release's widget reads.
fn current(runtime: &str) -> bool {
    let format = shopcue::json::parse(runtime).ok().and_then(|r| r.get("runtime").and_then(Value::as_f64));
    format == Some(shopcue::config::RUNTIME_FORMAT)
}

/// `400` for a config that is not JSON, `422` with every problem and its JSON path for one that
/// does not compile. A JSON error is one problem at `$`, with the `line` and `column` in `text`
/// where reading stopped, so that an editor can put the cursor there.
fn problems_reply(e: &shopcue::Error, text: &str) -> Response {
    let status = if e.line_column(text).is_some() { StatusCode::BAD_REQUEST } else { StatusCode::UNPROCESSABLE_ENTITY };
    json_reply(
        status,
        &object([("error", e.message_in(text).into()), ("code", e.code().into()), ("problems", e.problems_in(text))]),
    )
}

async fn body_text(req: Request) -> Result<String, Response> {
    let bytes: Bytes = axum::body::to_bytes(req.into_body(), MAX_CONFIG_BYTES)
        .await
        .map_err(|_| error_reply(StatusCode::PAYLOAD_TOO_LARGE, "a config may be at most 1 MiB"))?;
    String::from_utf8(bytes.to_vec()).map_err(|_| error_reply(StatusCode::BAD_REQUEST, "the config must be UTF-8 JSON"))
}

fn text_param(query: &str, key: &str, default: &str, max: usize) -> Result<String, Response> {
    let v = query_param(query, key).unwrap_or_else(|| default.into());
    if v.len() > max || v.chars().any(char::is_control) {
        return Err(error_reply(
            StatusCode::BAD_REQUEST,
            &format!("{key} must be at most {max} bytes without control characters"),
        ));
    }
    Ok(v)
}

/// A version number from the query string: a missing one is told where it goes (a client that
/// sent it in a JSON body learns it belongs in the query), a wrong one is quoted back.
fn version_param(query: &str, key: &str) -> Result<i64, Response> {
    let Some(text) = query_param(query, key) else {
        return Err(error_reply(StatusCode::BAD_REQUEST, &format!("{key} is required in the query string: ?{key}=N (1, 2, …)")));
    };
    version_number(&text, key)
}

/// A `400` for a query parameter this request does not read (`known`): `?limt=5` read as no
/// limit would answer something nobody asked for.
fn only_params(query: &str, known: &[&str]) -> Result<(), Response> {
    let Some(name) = crate::unread_param(query, known) else { return Ok(()) };
    let reads = if known.is_empty() { "no parameter".to_string() } else { known.join(", ") };
    let said = format!("unknown parameter \"{name}\".{} This request reads {reads}", shopcue::suggest::hint(name, known));
    Err(error_reply(StatusCode::BAD_REQUEST, &said))
}

/// `text` as a version number; `what` names where it was written when it is not one.
fn version_number(text: &str, what: &str) -> Result<i64, Response> {
    text.parse::<i64>()
        .ok()
        .filter(|v| *v >= 1)
        .ok_or_else(|| error_reply(StatusCode::BAD_REQUEST, &format!("{what} must be a version number (1, 2, …), got {text:?}")))
}

/// The 404 for a version the site does not have.
fn no_such_version(n: i64) -> Response {
    error_reply(StatusCode::NOT_FOUND, &format!("this site has no version {n}"))
}

fn peer(req: &Request) -> Option<std::net::IpAddr> {
    req.extensions().get::<ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())
}

/// `PUT /api/sites/{site}/config`.
pub async fn put_config(State(app): State<App>, Path(site): Path<String>, req: Request) -> Response {
    if let Some(refused) = refuse(&app, &req, true) {
        return refused;
    }
    let (query, peer, headers) = (req.uri().query().unwrap_or_default().to_string(), peer(&req), req.headers().clone());
    let run = async {
        site_or_400(&site)?;
        let author = text_param(&query, "author", "admin", 100)?;
        let note = text_param(&query, "note", "", 1000)?;
        let raw_text = body_text(req).await?;
        let actor = actor(&app, &headers, peer, &author);
        // Made to a version that is no longer live: refused, here or (should another publish
        // come in between) in the publishing transaction itself.
        let (if_match, based_on) = check_if_match(&app, &site, &headers, &actor).await?;
        let compiled = shopcue::config::parse_authored(&raw_text).and_then(|raw| Ok((compile_for(&site, &raw)?, raw)));
        let (runtime, raw) = match compiled {
            Ok(ok) => ok,
            Err(e) => {
                record_refusal(&app, &site, actor, e.message_in(&raw_text)).await?;
                return Err(problems_reply(&e, &raw_text));
            }
        };
        let v = NewVersion {
            site: site.clone(),
            now: now_ms(),
            author,
            note,
            action: "publish",
            source_version: None,
            raw: pretty(&raw),
            runtime,
            based_on,
        };
        // What will show nothing though nothing is wrong (a campaign over), said beside the version.
        let warnings = shopcue::config::warnings(&raw, v.now);
        let (store, by) = (app.configs.clone(), actor.clone());
        published(&app, &site, actor, if_match, blocking(move || store.publish(&v, &by)).await?, &warnings).await
    };
    run.await.unwrap_or_else(|r| r)
}

/// `GET /api/sites/{site}/config`: the live version and its raw config.
pub async fn get_config(State(app): State<App>, Path(site): Path<String>, req: Request) -> Response {
    if let Some(refused) = refuse(&app, &req, false) {
        return refused;
    }
    let run = async {
        site_or_400(&site)?;
        let Some((v, raw, _)) = live_version(&app, &site).await? else {
            return Err(error_reply(StatusCode::NOT_FOUND, "no config has been published for this site"));
        };
        Ok(json_reply(StatusCode::OK, &with_texts(&v, &raw, None)))
    };
    run.await.unwrap_or_else(|r| r)
}

/// The reply to a publish or rollback that the store did ([`ConfigStore::publish`]): `201` with
/// the new version; `200` with the live version and `"unchanged": true` when that is what it
/// would publish (a PUT repeated, as a deploy that publishes the same file every time: nothing
/// changes, and shoppers keep their cached config); the `412` when its base is gone. Either
/// success says the config's `warnings` ([`shopcue::config::warnings`]: a campaign over) as
/// `[{path, message}, …]`, where there are any.
async fn published(
    app: &App,
    site: &str,
    actor: String,
    if_match: Option<String>,
    p: Published,
    warnings: &[shopcue::Problem],
) -> Result<Response, Response> {
    let (status, mut reply) = match p {
        Published::New(version) => {
            app.live.forget(&version.site);
            (StatusCode::CREATED, version.to_value())
        }
        Published::Unchanged(live) => {
            let mut reply = live.to_value();
            reply.set("unchanged", true.into());
            (StatusCode::OK, reply)
        }
        Published::Conflict => return Err(refuse_conflict(app, site, actor, if_match.as_deref().unwrap_or_default()).await),
    };
    with_warnings(&mut reply, warnings);
    Ok(json_reply(status, &reply))
}

/// `reply` with `"warnings": [{path, message}, …]`, where there are any.
fn with_warnings(reply: &mut Value, warnings: &[shopcue::Problem]) {
    if !warnings.is_empty() {
        let list = warnings.iter().map(|w| object([("path", w.path.as_str().into()), ("message", w.message.as_str().into())]));
        reply.set("warnings", Value::Array(list.collect()));
    }
}

/// What an `If-Match` header asks of the live version `live`: `Ok(Some(n))` when one of its tags
/// names version n, the live one (`"v4-…"`: the version is what a tag stands for, also when the
/// collector serves that version compiled again under a tag of its own) — publish only while it
/// is still live; `Ok(None)` for `*` while something is live; `Err` when it does not hold. A weak
/// tag never matches, as HTTP's strong comparison asks.
fn precondition(if_match: &str, live: Option<&Version>) -> Result<Option<i64>, ()> {
    let live = live.ok_or(())?;
    let prefix = format!("\"v{}-", live.version);
    let tags = || if_match.split(',').map(str::trim);
    if tags().any(|t| t.starts_with(&prefix)) {
        Ok(Some(live.version))
    } else if tags().any(|t| t == "*") {
        Ok(None)
    } else {
        Err(())
    }
}

/// A write's `If-Match` header and, checked against the live version (read only when there is
/// one), the version it must be made to ([`precondition`]); or the `412` to answer (recorded as
/// a refusal) when that version is no longer live.
async fn check_if_match(
    app: &App,
    site: &str,
    headers: &HeaderMap,
    actor: &str,
) -> Result<(Option<String>, Option<i64>), Response> {
    let Some(expected) = headers.get(header::IF_MATCH).map(|h| h.to_str().unwrap_or_default().to_string()) else {
        return Ok((None, None));
    };
    let live = live_version(app, site).await?.map(|(v, ..)| v);
    match precondition(&expected, live.as_ref()) {
        Ok(based_on) => Ok((Some(expected), based_on)),
        Err(()) => Err(refuse_conflict(app, site, actor.to_string(), &expected).await),
    }
}

/// Records a refused publish in the audit log.
async fn record_refusal(app: &App, site: &str, actor: String, detail: String) -> Result<(), Response> {
    let entry = AuditEntry { site: site.to_string(), ts: now_ms(), actor, action: "refused".into(), version: None, detail };
    let store = app.configs.clone();
    blocking(move || store.record(&entry)).await
}

/// `412` for a change made to another version than the live one (someone published since),
/// recorded as a refusal.
async fn refuse_conflict(app: &App, site: &str, actor: String, expected: &str) -> Response {
    let live = match live_version(app, site).await {
        Ok(live) => live.map(|(v, ..)| v),
        Err(reply) => return reply,
    };
    if let Err(reply) = record_refusal(app, site, actor, format!("made to {expected}, not to the live version")).await {
        return reply;
    }
    let error = match &live {
        Some(v) => format!(
            "version {} is live now (by {}), not the version this change was made to ({expected}): load it, then make the change again",
            v.version, v.author
        ),
        None => "nothing is published for this site, so no version matches If-Match".to_string(),
    };
    let live = live.as_ref().map_or(Value::Null, Version::to_value);
    json_reply(
        StatusCode::PRECONDITION_FAILED,
        &object([("error", error.into()), ("code", "SHOPCUE_CONFLICT".into()), ("live", live)]),
    )
}

/// The site's live version with its raw and runtime texts, if it has one.
async fn live_version(app: &App, site: &str) -> Result<Option<(Version, String, String)>, Response> {
    let (store, site) = (app.configs.clone(), site.to_string());
    blocking(move || {
        let Some((v, _)) = store.live(&site)? else { return Ok(None) };
        store.version(&site, v.version)
    })
    .await
}

fn with_texts(v: &Version, raw: &str, runtime: Option<&str>) -> Value {
    let mut out = v.to_value();
    out.set("config", shopcue::json::parse(raw).unwrap_or_default());
    if let Some(runtime) = runtime {
        out.set("runtime", shopcue::json::parse(runtime).unwrap_or_default());
    }
    out
}

/// `GET /api/sites/{site}/config/versions`.
pub async fn list_versions(State(app): State<App>, Path(site): Path<String>, req: Request) -> Response {
    if let Some(refused) = refuse(&app, &req, false) {
        return refused;
    }
    let query = req.uri().query().unwrap_or_default().to_string();
    let run = async {
        site_or_400(&site)?;
        only_params(&query, &["limit"])?;
        // The newest `limit` (1 to 10,000), every version without it.
        let limit = match query_param(&query, "limit") {
            None => usize::MAX,
            Some(text) => text.parse::<usize>().ok().filter(|n| (1..=10_000).contains(n)).ok_or_else(|| {
                error_reply(StatusCode::BAD_REQUEST, &format!("limit must be a whole number from 1 to 10000, got {text:?}"))
            })?,
        };
        let store = app.configs.clone();
        let list = blocking(move || store.versions(&site)).await?;
        Ok(json_reply(StatusCode::OK, &Value::Array(list.iter().take(limit).map(Version::to_value).collect())))
    };
    run.await.unwrap_or_else(|r| r)
}

/// `GET /api/sites/{site}/config/versions/{n}`.
pub async fn get_version(State(app): State<App>, Path((site, n)): Path<(String, String)>, req: Request) -> Response {
    if let Some(refused) = refuse(&app, &req, false) {
        return refused;
    }
    let query = req.uri().query().unwrap_or_default().to_string();
    let run = async {
        site_or_400(&site)?;
        only_params(&query, &[])?;
        let n = version_number(&n, "the version in the path")?;
        let store = app.configs.clone();
        match blocking(move || store.version(&site, n)).await? {
            Some((v, raw, runtime)) => Ok(json_reply(StatusCode::OK, &with_texts(&v, &raw, Some(&runtime)))),
            None => Err(no_such_version(n)),
        }
    };
    run.await.unwrap_or_else(|r| r)
}

/// `GET /api/sites/{site}/config/diff?from=a&to=b`.
pub async fn diff_versions(State(app): State<App>, Path(site): Path<String>, req: Request) -> Response {
    if let Some(refused) = refuse(&app, &req, false) {
        return refused;
    }
    let query = req.uri().query().unwrap_or_default().to_string();
    let run = async {
        site_or_400(&site)?;
        only_params(&query, &["from", "to"])?;
        let (from, to) = (version_param(&query, "from")?, version_param(&query, "to")?);
        let store = app.configs.clone();
        let (a, b) = blocking(move || Ok((store.version(&site, from)?, store.version(&site, to)?))).await?;
        let (a, b) = match (a, b) {
            (Some((_, a, _)), Some((_, b, _))) => (a, b),
            (None, _) => return Err(no_such_version(from)),
            (_, None) => return Err(no_such_version(to)),
        };
        let d = diff(&a, &b);
        let changed = d.lines().filter(|l| !l.starts_with(' ')).count();
        Ok(json_reply(
            StatusCode::OK,
            &object([
                ("from", Value::Number(from as f64)),
                ("to", Value::Number(to as f64)),
                ("changed_lines", Value::Number(changed as f64)),
                ("diff", d.into()),
            ]),
        ))
    };
    run.await.unwrap_or_else(|r| r)
}

/// `POST /api/sites/{site}/config/rollback?version=k`.
pub async fn rollback(State(app): State<App>, Path(site): Path<String>, req: Request) -> Response {
    if let Some(refused) = refuse(&app, &req, true) {
        return refused;
    }
    let (query, peer, headers) = (req.uri().query().unwrap_or_default().to_string(), peer(&req), req.headers().clone());
    let run = async {
        site_or_400(&site)?;
        let k = version_param(&query, "version")?;
        let author = text_param(&query, "author", "admin", 100)?;
        let note = text_param(&query, "note", "", 1000)?;
        let actor = actor(&app, &headers, peer, &author);
        // As for a publish: made to the version the client saw live, or refused.
        let (if_match, based_on) = check_if_match(&app, &site, &headers, &actor).await?;
        let (store, by, of) = (app.configs.clone(), actor.clone(), site.clone());
        let done = blocking(move || {
            let Some((_, raw, runtime)) = store.version(&site, k)? else { return Ok(None) };
            let runtime = recompiled(&site, &raw, &runtime).unwrap_or(runtime);
            let warnings = shopcue::json::parse(&raw).map(|r| shopcue::config::warnings(&r, now_ms())).unwrap_or_default();
            let note = if note.is_empty() { format!("rollback to version {k}") } else { note };
            let v = NewVersion {
                site,
                now: now_ms(),
                author,
                note,
                action: "rollback",
                source_version: Some(k),
                raw,
                runtime,
                based_on,
            };
            store.publish(&v, &by).map(|p| Some((p, warnings)))
        })
        .await?;
        let (done, warnings) = done.ok_or_else(|| no_such_version(k))?;
        published(&app, &of, actor, if_match, done, &warnings).await
    };
    run.await.unwrap_or_else(|r| r)
}

/// `GET /api/sites/{site}/audit`.
pub async fn audit(State(app): State<App>, Path(site): Path<String>, req: Request) -> Response {
    if let Some(refused) = refuse(&app, &req, false) {
        return refused;
    }
    let run = async {
        site_or_400(&site)?;
        let store = app.configs.clone();
        let list = blocking(move || store.audit(&site)).await?;
        Ok(json_reply(StatusCode::OK, &Value::Array(list.iter().map(AuditEntry::to_value).collect())))
    };
    run.await.unwrap_or_else(|r| r)
}

/// `POST /api/sites/{site}/config/check`: checks a raw config as publishing would, and changes
/// nothing: `200 {"ok": true, "scenarios": n}` (with publishing's `warnings`, where there are
/// any: a campaign over), or `422` with every problem and its JSON path (the studio shows each
/// at its field).
pub async fn check_config(State(app): State<App>, Path(site): Path<String>, req: Request) -> Response {
    if let Some(refused) = refuse(&app, &req, false) {
        return refused;
    }
    let run = async {
        site_or_400(&site)?;
        let raw_text = body_text(req).await?;
        let raw = shopcue::config::parse_authored(&raw_text).map_err(|e| problems_reply(&e, &raw_text))?;
        compile_for(&site, &raw).map_err(|e| problems_reply(&e, &raw_text))?;
        let n = raw.get("scenarios").and_then(Value::as_array).map_or(0, <[_]>::len);
        let mut reply = object([("ok", true.into()), ("scenarios", Value::Number(n as f64))]);
        with_warnings(&mut reply, &shopcue::config::warnings(&raw, now_ms()));
        Ok(json_reply(StatusCode::OK, &reply))
    };
    run.await.unwrap_or_else(|r| r)
}

/// `GET /api/presets`: the preset library (`src/presets.json`, with each playbook name), for
/// the studio's gallery.
pub async fn presets(State(app): State<App>, req: Request) -> Response {
    if let Some(refused) = refuse(&app, &req, false) {
        return refused;
    }
    ([(axum::http::header::CONTENT_TYPE, "application/json")], shopcue::config::PRESET_LIBRARY).into_response()
}

/// The sites with events, found one index probe per site (a loose index scan over the events'
/// primary key, not a pass over every event); the same statement on SQLite and PostgreSQL.
const SITES_WITH_EVENTS_SQL: &str = "
WITH RECURSIVE seen(site) AS (
  SELECT min(site) FROM events
  UNION ALL
  SELECT (SELECT min(site) FROM events WHERE site > seen.site) FROM seen WHERE seen.site IS NOT NULL
)
SELECT site FROM seen WHERE site IS NOT NULL";

/// The sites with a published config: the live version (the highest) and when it was published.
const SITES_WITH_CONFIGS_SQL: &str = "SELECT site, max(version), max(created_at) FROM config_versions GROUP BY site";

/// Every site this collector knows, sorted by name: `{site, live_version, published_at, events}`
/// (`live_version` and `published_at` null for a site that has sent events but published no
/// config here; `events` false for a site published but not heard from yet).
pub fn sites_known(store: &dyn crate::store::EventStore) -> Result<Vec<Value>, String> {
    let mut sites: std::collections::BTreeMap<String, (Value, Value, bool)> = std::collections::BTreeMap::new();
    for row in store.select(SITES_WITH_CONFIGS_SQL, &[])? {
        let (version, at) = (Value::Number(row[1].int() as f64), Value::Number(row[2].int() as f64));
        sites.insert(row[0].text().to_string(), (version, at, false));
    }
    for row in store.select(SITES_WITH_EVENTS_SQL, &[])? {
        sites.entry(row[0].text().to_string()).or_insert((Value::Null, Value::Null, false)).2 = true;
    }
    Ok(sites
        .into_iter()
        .map(|(site, (version, at, events))| {
            object([("site", site.into()), ("live_version", version), ("published_at", at), ("events", events.into())])
        })
        .collect())
}

/// `GET /api/sites`: the sites this collector knows ([`sites_known`]). The dashboard and the
/// studio offer them in their site field, and open the first when the address names none.
pub async fn sites(State(app): State<App>, req: Request) -> Response {
    if let Some(refused) = refuse(&app, &req, false) {
        return refused;
    }
    let store = app.store.clone();
    match blocking(move || sites_known(&*store)).await {
        Ok(list) => json_reply(StatusCode::OK, &Value::Array(list)),
        Err(refused) => refused,
    }
}

/// The store page to open a preview on (an `http(s)` URL without its query or fragment): of the
/// site's latest 200 page views that reached this collector, the
/// latest one on the origin most of them came from — where the store's tag certainly runs.
/// Anyone can post events to `/collect`: a few page views posted from elsewhere do not make the
/// studio offer a link to another site.
pub fn latest_page(store: &dyn crate::store::EventStore, site: &str) -> Result<Option<String>, String> {
    let rows = store.select(LATEST_PAGES_SQL, &[crate::store::Sql::Text(site.to_string())])?;
    let pages: Vec<&str> = rows
        .iter()
        .map(|row| shopcue::url::strip_query(row[0].text()))
        .filter(|page| page.starts_with("https://") || page.starts_with("http://"))
        .collect();
    // `https://host:port` of an absolute URL (shopcue::url::path_of finds the rest the same way;
    // sharing it there cost the widget 28 B).
    fn origin_of(page: &str) -> &str {
        let host = page.find("://").map_or(0, |i| i + 3);
        &page[..page[host..].find('/').map_or(page.len(), |end| host + end)]
    }
    // Origins by how many of the pages came from each, newest first among equals.
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for page in &pages {
        let o = origin_of(page);
        match counts.iter_mut().find(|(seen, _)| *seen == o) {
            Some((_, n)) => *n += 1,
            None => counts.push((o, 1)),
        }
    }
    let Some(&(most, _)) = counts.iter().rev().max_by_key(|(_, n)| *n) else { return Ok(None) };
    Ok(pages.iter().find(|page| origin_of(page) == most).map(|page| page.to_string()))
}

/// The site's latest page views with an absolute URL (the index on `(site, name, ts)` reads them).
const LATEST_PAGES_SQL: &str = "SELECT url FROM events WHERE site = $1 AND name = 'page_view'
  AND (url LIKE 'https://%' OR url LIKE 'http://%') ORDER BY ts DESC LIMIT 200";

/// The site's page views since `$2` (ms), at most its latest 100,000 (a bound on what one
/// request reads, read newest first by the index on `(site, name, ts)`), counted by address, the
/// most viewed first; at most 5,000 addresses.
const PAGE_VIEWS_SQL: &str = "SELECT url, count(*) FROM (
  SELECT url FROM events WHERE site = $1 AND name = 'page_view' AND ts >= $2 ORDER BY ts DESC LIMIT 100000) AS recent
GROUP BY url ORDER BY count(*) DESC, url LIMIT 5000";

/// How many of the site's events of one name arrived since `$3` (ms): the index on
/// `(site, name, ts)` counts them.
const EVENTS_NAMED_SQL: &str = "SELECT count(*) FROM events WHERE site = $1 AND name = $2 AND ts >= $3";

/// A goal as `GET …/reach` takes it: a page (`Ok(Ok(path))`, written as the compiler writes
/// it) or an event's name (`Ok(Err(name))`; `purchase` too); a `400` with the reason otherwise.
fn reach_goal(goal: &str) -> Result<Result<String, String>, Response> {
    let refused = |why: &str| error_reply(StatusCode::BAD_REQUEST, &format!("goal: {why}"));
    if goal.starts_with('/') {
        return shopcue::config::page_goal(goal).map(Ok).map_err(refused);
    }
    let name = crate::goal::read(goal).map_err(refused)?;
    Ok(Err(name.unwrap_or_else(|| crate::goal::DEFAULT_GOAL.to_string())))
}

/// `GET /api/sites/{site}/reach?goal=…`: what the site's visitors reached in the last 30 days,
/// for choosing a scenario's goal. `pages`: the 50 paths most viewed (of the latest 100,000 page
/// views), `[{"path", "views"}, …]`. With `goal`, how often it was reached: a page goal, how
/// many of those page views match it (`"goal": {"path", "views"}`: [`crate::goal::reached`]);
/// an event's name, how many such events arrived (`"goal": {"event", "count"}`). The studio
/// offers the pages in its goal field and says under it when a goal was reached by nobody (a
/// typo in a path, an event the site never sends); a goal that is neither is a `400` with the
/// reason.
pub async fn reach(State(app): State<App>, Path(site): Path<String>, req: Request) -> Response {
    if let Some(refused) = refuse(&app, &req, false) {
        return refused;
    }
    let goal = query_param(req.uri().query().unwrap_or_default(), "goal");
    let run = async {
        site_or_400(&site)?;
        let goal = goal.as_deref().map(reach_goal).transpose()?;
        let since = crate::now_ms() - 30 * shopcue::time::DAY_MS;
        let (store, event) = (app.store.clone(), goal.clone().and_then(Result::err));
        let (rows, count) = blocking(move || {
            use crate::store::Sql::{Int, Text};
            let rows = store.select(PAGE_VIEWS_SQL, &[Text(site.clone()), Int(since)])?;
            let count = match event {
                Some(name) => Some(store.select(EVENTS_NAMED_SQL, &[Text(site), Text(name), Int(since)])?[0][0].int()),
                None => None,
            };
            Ok((rows, count))
        })
        .await?;
        let views: Vec<(String, i64)> = rows.iter().map(|r| (r[0].text().to_string(), r[1].int())).collect();
        let page = goal.as_ref().and_then(|g| g.as_ref().ok());
        let (top, reached) = crate::goal::reached(&views, page.map(String::as_str), 50);
        let pages = top.into_iter().map(|(path, n)| object([("path", path.into()), ("views", Value::Number(n as f64))]));
        let mut reply = object([("days", Value::Number(30.0)), ("pages", Value::Array(pages.collect()))]);
        match (goal, reached, count) {
            (Some(Ok(path)), Some(n), _) => {
                reply.set("goal", object([("path", path.into()), ("views", Value::Number(n as f64))]))
            }
            (Some(Err(name)), _, Some(n)) => {
                reply.set("goal", object([("event", name.into()), ("count", Value::Number(n as f64))]))
            }
            _ => {}
        }
        Ok(json_reply(StatusCode::OK, &reply))
    };
    run.await.unwrap_or_else(|r| r)
}

/// `POST /api/sites/{site}/preview?ttl_s=3600`: a draft for a preview link.
pub async fn preview(State(app): State<App>, Path(site): Path<String>, req: Request) -> Response {
    if let Some(refused) = refuse(&app, &req, true) {
        return refused;
    }
    let (query, peer, headers) = (req.uri().query().unwrap_or_default().to_string(), peer(&req), req.headers().clone());
    let run = async {
        site_or_400(&site)?;
        let ttl_s = match query_param(&query, "ttl_s").map(|t| t.parse::<i64>()) {
            None => 3600,
            Some(Ok(t)) if (60..=MAX_PREVIEW_S).contains(&t) => t,
            Some(_) => return Err(error_reply(StatusCode::BAD_REQUEST, "ttl_s must be 60 to 604800 seconds")),
        };
        let author = text_param(&query, "author", "admin", 100)?;
        let raw_text = body_text(req).await?;
        let runtime = shopcue::config::parse_authored(&raw_text)
            .and_then(|raw| compile_for(&site, &raw))
            .map_err(|e| problems_reply(&e, &raw_text))?;
        let now = now_ms();
        let expires = now + ttl_s * 1000;
        let token = format!("draft.{}", blocking(crate::session::random_hex).await?);
        let entry = AuditEntry {
            site: site.clone(),
            ts: now,
            actor: actor(&app, &headers, peer, &author),
            action: "preview".into(),
            version: None,
            detail: format!("preview link until {expires} (Unix ms)"),
        };
        let (store, id, draft_site) = (app.configs.clone(), token.clone(), site.clone());
        blocking(move || {
            store.save_draft(&draft_site, &id, &runtime, expires)?;
            store.record(&entry)
        })
        .await?;
        let (events, serves_files) = (app.store.clone(), !app.statics.is_empty());
        let seen = blocking(move || latest_page(&*events, &site)).await?;
        let page = seen.or_else(|| serves_files.then(|| "/".to_string()));
        let query = format!("shopcue_preview={token}");
        Ok(json_reply(
            StatusCode::CREATED,
            &object([
                ("token", token.as_str().into()),
                ("expires_at", Value::Number(expires as f64)),
                ("page", page.map_or(Value::Null, |p| format!("{p}?{query}").into())),
                ("query", query.into()),
            ]),
        ))
    };
    run.await.unwrap_or_else(|r| r)
}

/// `GET /shopcue/sites/{site}/config.json`: the live runtime config for shoppers.
pub async fn live_config(State(app): State<App>, Path(site): Path<String>, req: Request) -> Response {
    let query = req.uri().query().unwrap_or_default().to_string();
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).and_then(|h| h.to_str().ok()).map(str::to_string);
    let run = async {
        site_or_400(&site)?;
        let store = app.configs.clone();
        if let Some(token) = query_param(&query, "preview") {
            let now = now_ms();
            let draft = blocking(move || store.draft(&site, &token)).await?;
            return match draft {
                Some((runtime, expires)) if expires > now => {
                    Ok(([(header::CONTENT_TYPE, "application/json"), (header::CACHE_CONTROL, "no-store")], runtime)
                        .into_response())
                }
                _ => Err(error_reply(StatusCode::NOT_FOUND, "this preview link has expired or never existed")),
            };
        }
        let live = match app.live.get(&site) {
            Some(live) => live,
            None => {
                let (cache, key) = (app.live.clone(), site.clone());
                let live = blocking(move || {
                    let Some((v, runtime)) = store.live(&site)? else { return Ok(None) };
                    // Compiled by another release: served compiled again, under its own tag.
                    let fresh = if current(&runtime) {
                        None
                    } else {
                        store.version(&site, v.version)?.and_then(|(_, raw, _)| recompiled(&site, &raw, &runtime))
                    };
                    Ok(Some(match fresh {
                        Some(text) => (etag(v.version, &text), std::sync::Arc::new(text)),
                        None => (v.etag, std::sync::Arc::new(runtime)),
                    }))
                })
                .await?;
                cache.put(&key, live.clone());
                live
            }
        };
        let Some((tag, runtime)) = live else {
            return Err(error_reply(StatusCode::NOT_FOUND, "no config has been published for this site"));
        };
        let etag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"0\""));
        let cache = HeaderValue::from_static("max-age=60, stale-while-revalidate=600");
        let matches = if_none_match.is_some_and(|h| crate::statics::matches(&h, &tag));
        let mut reply = if matches {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            ([(header::CONTENT_TYPE, "application/json")], runtime.as_str().to_owned()).into_response()
        };
        let h = reply.headers_mut();
        h.insert(header::ETAG, etag);
        h.insert(header::CACHE_CONTROL, cache);
        Ok(reply)
    };
    let mut reply = run.await.unwrap_or_else(|r| r);
    // Public, and read by stores on other origins (no credentials involved). Refusals too: a
    // store's page should read "answered HTTP 404" (nothing published, a preview link expired),
    // not a CORS failure that looks like the network.
    reply.headers_mut().insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    reply
}
