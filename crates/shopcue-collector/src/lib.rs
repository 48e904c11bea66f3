//! # shopcue-collector
//!
//! The reference collection endpoint for Shopcue beacons:
//!
//! - `POST /collect` — a batch `{"v":1,"site":…,"events":[…]}` (any content type; the widget
//!   sends `text/plain` to avoid CORS preflights). Replies `200` with counts only after the
//!   SQLite transaction commits; duplicate event ids are ignored; `400` with the reason for a
//!   bad batch; `413` over 1 MiB.
//! - `GET /healthz` — `200 ok` when the database answers.
//! - Anything else — static files from the `--static` directories, first match wins (the demo
//!   store and the built widget).

pub mod batch;
pub mod statics;
pub mod store;

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use shopcue::json::{object, Value};

use crate::batch::MAX_BODY_BYTES;
use crate::store::Store;

/// Shared server state.
#[derive(Clone)]
pub struct App {
    /// The event store.
    pub store: Arc<Store>,
    /// Static directories, searched in order.
    pub statics: Arc<Vec<PathBuf>>,
    /// Origins allowed to read `/collect` replies cross-origin (`*` allows any).
    pub allowed_origins: Arc<Vec<String>>,
}

/// Builds the HTTP router.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/collect", post(collect).options(preflight))
        .route("/healthz", get(healthz))
        .fallback(statics::serve)
        .with_state(app)
}

fn json_reply(status: StatusCode, v: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], v.to_json()).into_response()
}

fn error_reply(status: StatusCode, reason: &str) -> Response {
    json_reply(status, &object([("error", reason.into())]))
}

fn cors(app: &App, headers: &HeaderMap, mut resp: Response) -> Response {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) else {
        return resp;
    };
    if app.allowed_origins.iter().any(|a| a == "*" || a == origin) {
        let h = resp.headers_mut();
        if let Ok(v) = HeaderValue::from_str(origin) {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        }
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
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
    cors(&app, &headers, resp)
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
    let reply = collect_inner(&app, req.into_body()).await;
    cors(&app, &headers, reply)
}

async fn collect_inner(app: &App, body: Body) -> Response {
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(_) => return error_reply(StatusCode::PAYLOAD_TOO_LARGE, "body over 1 MiB (or unreadable)"),
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return error_reply(StatusCode::BAD_REQUEST, "body is not UTF-8");
    };
    let batch = match batch::decode(text) {
        Ok(b) => b,
        Err(reason) => return error_reply(StatusCode::BAD_REQUEST, &reason),
    };
    let rejected = Value::Array(
        batch.rejected.iter().map(|(i, r)| object([("index", (*i as u32).into()), ("reason", r.as_str().into())])).collect(),
    );
    if batch.events.is_empty() {
        return json_reply(StatusCode::BAD_REQUEST, &object([("error", "no valid event".into()), ("rejected", rejected)]));
    }
    let store = app.store.clone();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64);
    let events = batch.events;
    match tokio::task::spawn_blocking(move || store.write(&events, now)).await {
        Ok(Ok(w)) => json_reply(
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

/// `true` for methods the static handler answers.
pub fn is_read(method: &Method) -> bool {
    method == Method::GET || method == Method::HEAD
}
